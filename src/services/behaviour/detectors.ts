// The behaviour pass's detectors, in the order they run over each window.
import {aisGapDetector} from './ais-gaps.js'
import {geofence} from './geofence.js'
import {portCallsDetector} from './port-calls.js'
import type {Detector} from './types.js'

export const DETECTORS: readonly Detector[] = [aisGapDetector, geofence, portCallsDetector]
