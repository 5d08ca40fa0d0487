import * as hdr from 'hdr-histogram-js';

/**
 * An HDR histogram of microseconds, as every timing in evento records them. It grows past its first
 * range rather than throwing: a wait for a reservation is bounded only by --timeout.
 */
export const microsHistogram = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
