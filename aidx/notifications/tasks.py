from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from aidx.notifications.models import Notification


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Mail each notification to its reader, in the reader's language; a retry never mails twice."""
    sent = 0
    for notification in Notification.objects.select_related("user").filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ):
        user = notification.user
        if not user.email:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = "[aidx] " + notification.text
            body = notification.text + "\n\n" + _("Open it in aidx: %(url)s") % {"url": notification.url}
        send_mail(subject[:200], body, None, [user.email])
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
