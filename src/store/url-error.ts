/** A database URL that names no supported engine or has a bad parameter, or a database that cannot be reached; one line for users. */
export class DatabaseUrlError extends Error {}
