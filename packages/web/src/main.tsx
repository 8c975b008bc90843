import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app'
import { canonicalParams } from './router'
import './styles.css'
import { applyTheme, themeParam } from './theme'

applyTheme(themeParam(canonicalParams(new URL(location.href))))

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
