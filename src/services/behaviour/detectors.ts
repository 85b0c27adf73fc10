// The behaviour pass's detectors, in the order they run over each window.
import {geofence} from './geofence.js'
import type {Detector} from './types.js'

export const DETECTORS: readonly Detector[] = [geofence]
