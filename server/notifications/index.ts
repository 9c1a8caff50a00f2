/** In-app notifications: the public entry of the notifications domain. */
export { createNotificationService, notificationJson, type NotificationService, type NotifyInput, type NotificationView } from './service';
export { notificationEndpoints } from './endpoints';
