import type { Express } from 'express';
import { UUID_PATTERN, validationFailed, type FieldIssue } from '@orderflow/platform';
import type { Db } from '../db';

/** A notification as GET /notifications returns it. */
export interface NotificationView {
  notificationId: string;
  orderId: string;
  outcome: string;
  channel: string;
  recipient: string;
  message: string;
  status: string;
  createdAt: string;
}

/** GET /notifications?orderId=&limit=: the notifications sent (for one order), newest first. */
export function listingNotificationsRoute(app: Express, deps: { db: Db }): void {
  app.get('/notifications', async (req, res) => {
    const issues: FieldIssue[] = [];
    const { orderId, limit } = req.query;
    if (orderId !== undefined && (typeof orderId !== 'string' || !UUID_PATTERN.test(orderId)))
      issues.push({ path: 'orderId', message: 'must be a UUID' });
    const take = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(take) || take < 1 || take > 200)
      issues.push({ path: 'limit', message: 'must be an integer from 1 to 200' });
    if (issues.length > 0) throw validationFailed(issues);
    const rows = await deps.db.notification.findMany({
      where: typeof orderId === 'string' ? { orderId } : {},
      orderBy: { createdAt: 'desc' },
      take,
    });
    const notifications: NotificationView[] = rows.map((n) => ({
      notificationId: n.id,
      orderId: n.orderId,
      outcome: n.kind,
      channel: n.channel,
      recipient: n.recipient,
      message: n.message,
      status: n.status,
      createdAt: n.createdAt.toISOString(),
    }));
    res.json({ notifications });
  });
}
