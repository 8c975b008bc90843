/**
 * Points events from the page's one stream to the charts that show them: each chart
 * listens for its own metric, and hears `resync` when the stream came back after a drop.
 */
import { createContext, useContext } from 'react'
import type { PointsEvent } from './project-stream'

export type LiveListener = (event: PointsEvent | 'resync') => void

export class LivePoints {
  private readonly listeners = new Set<LiveListener>()
  listen(listener: LiveListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  emit(event: PointsEvent | 'resync'): void {
    for (const l of [...this.listeners]) l(event)
  }
}

export const LiveContext = createContext<LivePoints | undefined>(undefined)

export const useLivePoints = (): LivePoints | undefined => useContext(LiveContext)
