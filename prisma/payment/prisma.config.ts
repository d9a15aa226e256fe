// Prisma CLI config of the payment service's database (see prisma/tools/prisma-config.ts).
import { serviceConfig } from '../tools/prisma-config';

export default serviceConfig('payment');
