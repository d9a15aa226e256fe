import { PrismaPg } from '@prisma/adapter-pg';

/** The driver adapter a service's generated PrismaClient needs: `new PrismaClient({ adapter: prismaAdapter(url) })`. */
export function prismaAdapter(databaseUrl: string, opts: { poolSize?: number } = {}): PrismaPg {
  return new PrismaPg({ connectionString: databaseUrl, max: opts.poolSize ?? 10 });
}
