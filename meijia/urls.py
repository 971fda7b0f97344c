from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from contacts import views as contact_views
from talents import accounts

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=accounts.LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("", contact_views.home, name="home"),
    path("", include("contacts.urls")),
    path("db/import/", include("talents.import_urls")),
    path("db/", include("talents.urls")),
    path("pairings/", include("contacts.pairing_urls")),
    path("ledger/", include("contacts.ledger_urls")),
    path("office/", include("reports.urls")),
    path("village-reports/", include("reports.village_report_urls")),
    path("exports/", include("reports.export_urls")),
    path("audit/", include("talents.audit_urls")),
    path("pick/", include("talents.picker_urls")),
]
