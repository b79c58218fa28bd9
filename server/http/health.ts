/**
 * GET /api/health: 200 once the database is open and migrated, 503 otherwise. Tests and load balancers wait on it.
 */
import 'server-only';
import { sql } from 'drizzle-orm';
import { getRuntime } from '../instance';

export async function handleHealthRequest(): Promise<Response> {
  try {
    const { db, engine } = await getRuntime();
    await db.execute(sql`select 1`);
    return Response.json({ ok: true, database: engine.kind });
  } catch (error) {
    return Response.json({ ok: false, error: String(error) }, { status: 503 });
  }
}
