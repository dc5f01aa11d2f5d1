import { UserConnection } from '../../src/core/load/connection.js';

/** A user's connection to `origin` for the length of `use`, closed however it ends. */
export async function withUserConnection(origin: string, use: (conn: UserConnection) => Promise<void>): Promise<void> {
  const conn = new UserConnection(origin, 5_000);
  try {
    await use(conn);
  } finally {
    await conn.close();
  }
}
