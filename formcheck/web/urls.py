"""URL routes. Everything needs a coach session except /healthz, /login and the token pages."""

from pathlib import Path

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path
from django.views.static import serve

from formcheck.report.templating import STATIC_DIR as REPORT_STATIC_DIR
from formcheck.web import views_athlete as athlete
from formcheck.web import views_coach as coach
from formcheck.web import views_review as review

STATIC_DIR = Path(__file__).with_name("static")
_TOKEN = "<str:token>"
_UID = "<str:uid>"
_SESSION = "<str:session_uid>"

urlpatterns = [
    path("healthz", coach.healthz, name="healthz"),
    # Static files (CSS, JS) straight from the package; behind nginx, nginx serves /static/.
    # /static/report/: the stylesheet the web pages share with report.html (one design).
    re_path(
        r"^static/(?P<path>report/.+)$",
        login_not_required(serve),
        {"document_root": REPORT_STATIC_DIR},
    ),
    re_path(r"^static/(?P<path>.+)$", login_not_required(serve), {"document_root": STATIC_DIR}),
    path(
        "login",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path("", coach.home, name="home"),
    path("athletes", coach.athlete_create, name="athlete_create"),
    path("athletes/<int:athlete_id>", coach.athlete_page, name="athlete"),
    path("athletes/<int:athlete_id>/links", coach.upload_link_create, name="upload_link_create"),
    path("links/<int:link_id>/revoke", coach.upload_link_revoke, name="upload_link_revoke"),
    path(f"sessions/{_UID}", review.review_page, name="review"),
    path(f"sessions/{_UID}/review.json", review.review_json, name="review_json"),
    path(f"sessions/{_UID}/export.json", review.export_json, name="export_json"),
    path(f"sessions/{_UID}/job", coach.job_status, name="job_status"),
    path(f"sessions/{_UID}/retry", coach.job_retry, name="job_retry"),
    path(f"sessions/{_UID}/delete", coach.session_delete, name="session_delete"),
    path(f"sessions/{_UID}/shares", coach.share_create, name="share_create"),
    path(f"sessions/{_UID}/notes", review.notes, name="notes"),
    path(f"sessions/{_UID}/files/<path:name>", review.session_file, name="session_file"),
    path("notes/<int:note_id>", review.note_edit, name="note_edit"),
    path("notes/<int:note_id>/delete", review.note_delete, name="note_delete"),
    path("shares/<int:link_id>/revoke", coach.share_revoke, name="share_revoke"),
    path(f"u/{_TOKEN}", athlete.upload_page, name="upload_page"),
    path(f"u/{_TOKEN}/sessions", athlete.create_session, name="upload_session"),
    path(f"u/{_TOKEN}/sessions/{_SESSION}/clips", athlete.create_clip, name="upload_clip"),
    path(
        f"u/{_TOKEN}/sessions/{_SESSION}/submit",
        athlete.submit_session,
        name="upload_submit",
    ),
    path(
        f"u/{_TOKEN}/sessions/{_SESSION}/status",
        athlete.session_status,
        name="upload_status",
    ),
    path(f"u/{_TOKEN}/clips/<str:clip_uid>", athlete.clip_data, name="upload_data"),
    path(f"s/{_TOKEN}", review.share_page, name="share_page"),
    path(f"s/{_TOKEN}/review.json", review.share_json, name="share_json"),
    path(f"s/{_TOKEN}/files/<path:name>", review.share_file, name="share_file"),
]
