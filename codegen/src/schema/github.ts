// GitHub workflow commands (`::error file=…,line=…::message`): data escapes %, CR, LF; properties also escape : and ,.

/** Escape an annotation's message. */
export const escapeData = (s: string): string =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Escape an annotation property (file, title). */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
