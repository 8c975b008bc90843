import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { prefetchFirstRuns } from './api/client'
import { prefetchSession } from './api/session'
import { App } from './app'
import { canonicalParams, viewOf } from './router'
import './styles.css'
import { applyTheme, themeParam } from './theme'

const url = new URL(location.href)
applyTheme(themeParam(canonicalParams(url)))
// What the first page needs is asked for now, while React mounts, rather than after.
prefetchSession()
const view = viewOf(url)
if (view.page === 'project') prefetchFirstRuns(view.workspace, view.project)

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
