/**
 * Typed errors of the SDK's binary formats. Every decoder throws one of these (never a bare
 * `Error` from a library), so a caller can tell a format it does not know from damaged input
 * from a key that does not open it.
 *
 * @module
 */

/** The SDK's binary formats, as named in errors and in FORMATS.md. */
export type FormatName =
  | 'envelope'
  | 'content'
  | 'locator'
  | 'recovery'
  | 'tag'
  | 'size-class'
  | 'commitment'
  | 'keys'
  | 'batch'
  | 'session'
  | 'prescription';

/** Base class of every error a format encoder or decoder throws. */
export class FormatError extends Error {
  /** The format the input was meant to be. */
  readonly format: FormatName;

  /**
   * @param format - the format the input was meant to be
   * @param message - what is wrong, without any secret or plaintext
   */
  constructor(format: FormatName, message: string) {
    super(`${format}: ${message}`);
    this.name = new.target.name;
    this.format = format;
  }
}

/** The version byte names a version this SDK does not know (a newer SDK wrote it, or junk). */
export class UnknownVersionError extends FormatError {
  /** The version byte found. */
  readonly version: number;

  /**
   * @param format - the format
   * @param version - the version byte found
   */
  constructor(format: FormatName, version: number) {
    super(format, `unknown version ${version}`);
    this.version = version;
  }
}

/** The input is shorter than its format's fixed or declared length. */
export class TruncatedError extends FormatError {}

/** The input (or an input to an encoder) is longer than its format or the chain allows. */
export class OversizeError extends FormatError {}

/**
 * The input has the right length and version but is not well formed: a length that is not a
 * size class, a declared length past the end, padding that is not zeros, a key of the wrong
 * size, a low-order X25519 key.
 */
export class MalformedError extends FormatError {}

/**
 * The authenticated decryption failed: the key is not the one it was sealed to or under, the
 * binding (genesis, record, version, grantee) differs, or a byte was changed.
 */
export class DecryptionError extends FormatError {}

/** An opened value does not match what the chain keeps (a commitment, a ciphertext hash). */
export class MismatchError extends FormatError {}
