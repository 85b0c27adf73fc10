// The behaviour pass's detectors, in the order they run over each window.
import {aisGapDetector} from './ais-gaps.js'
import {encounters} from './encounters.js'
import {geofence} from './geofence.js'
import {identity} from './identity.js'
import {loitering} from './loitering.js'
import {portCallsDetector} from './port-calls.js'
import type {Detector} from './types.js'

export const DETECTORS: readonly Detector[] = [aisGapDetector, geofence, portCallsDetector, loitering, encounters, identity]
