from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from aidx.api import api
from aidx.web import picture
from aidx.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("now/", web_views.now_panel, name="now"),
    path("live/unread/", web_views.unread, name="unread"),
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("picture/", picture.picture, name="picture"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("aidx.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("registry/", include("aidx.nations.urls")),
    path("catalogue/", include("aidx.catalogue.urls")),
    path("documents/", include("aidx.documents.urls")),
    path("exchange/transfer/", include("aidx.assistance.transfer_urls")),
    path("exchange/", include("aidx.assistance.urls")),
    path("notifications/", include("aidx.notifications.urls")),
    path("stockpile/", include("aidx.stockpile.urls")),
    path("fund/", include("aidx.fund.urls")),
    path("logistics/", include("aidx.logistics.urls")),
    path("matching/", include("aidx.matching.urls")),
    path("interchange/", include("aidx.interchange.urls")),
    path("preparedness/", include("aidx.preparedness.urls")),
    path("resilience/", include("aidx.resilience.urls")),
    path("audit/", include("aidx.audit.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "aidx.web.errors.bad_request"
handler403 = "aidx.web.errors.permission_denied"
handler404 = "aidx.web.errors.page_not_found"
handler500 = "aidx.web.errors.server_error"
