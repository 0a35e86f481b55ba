export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant work whether or not `hash` is null, so timing does not reveal unknown users. */
  verify(hash: string | null, password: string): Promise<boolean>;
}
