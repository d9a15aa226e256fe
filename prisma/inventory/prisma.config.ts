// Prisma CLI config of the inventory service's database (see prisma/tools/prisma-config.ts).
import { serviceConfig } from '../tools/prisma-config';

export default serviceConfig('inventory');
