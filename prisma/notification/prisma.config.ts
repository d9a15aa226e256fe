// Prisma CLI config of the notification service's database (see prisma/tools/prisma-config.ts).
import { serviceConfig } from '../tools/prisma-config';

export default serviceConfig('notification');
