#!/bin/sh
echo "schema-engine stub: prisma generate never runs this; migrations are applied by npm run db -- migrate (prisma/tools)" >&2
exit 1
