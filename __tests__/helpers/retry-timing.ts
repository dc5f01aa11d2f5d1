// The timing project's tests bound figures by wall-clock time. A neighbour that takes the CPU for a
// moment can bunch a stream's events on the client; a real regression fails every attempt, a stall
// does not repeat. Each failure is still printed before its retry.
import { jest } from '@jest/globals';

jest.retryTimes(2, { logErrorsBeforeRetry: true });
