"""`conductor dashboards publish`: upsert the Prometheus datasource, the folder and the three
dashboards in a Grafana through its HTTP API (grafana-client), idempotently.

A dashboard is changed only when its JSON differs from ours. One that someone saved in
Grafana since our last publish (its newest version does not carry our message) is refused
unless `overwrite`: our publish would silently throw their change away.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError, GrafanaException, GrafanaUnauthorizedError

MESSAGE = "conductor dashboards publish"
"""The version message of every dashboard version this command saves."""
DATASOURCE_UID = "conductor-prometheus"
DATASOURCE_NAME = "Conductor Prometheus"
SERVER_FIELDS = ("id", "version")
"""What Grafana adds to a dashboard's JSON when it saves it."""


class PublishError(Exception):
    """A publish that cannot go on; the message is one line for the operator."""


@dataclass
class Report:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self.changed:
            return [f"nothing changed: {', '.join(self.unchanged)} already up to date"]
        lines = [f"updated {what}" for what in self.changed]
        if self.unchanged:
            lines.append(f"unchanged: {', '.join(self.unchanged)}")
        return lines


def connect(url: str, token: str | None, user: str | None, password: str | None) -> GrafanaApi:
    if token is not None and user is not None:
        raise PublishError("give either --token or --user and --password, not both")
    if (user is None) != (password is None):
        raise PublishError("--user and --password go together")
    credential: str | tuple[str, str] | None = token
    if user is not None and password is not None:
        credential = (user, password)
    api: GrafanaApi = GrafanaApi.from_url(url, credential=credential, timeout=10.0)
    return api


def publish(
    api: GrafanaApi,
    dashboards: Mapping[str, str],
    folder: str,
    prometheus_url: str | None = None,
    overwrite: bool = False,
) -> Report:
    """Upsert everything; `dashboards` maps each uid to its generated JSON."""
    report = Report()
    try:
        if prometheus_url is not None:
            _datasource(api, prometheus_url, report)
        folder_uid = _folder(api, folder, report)
        for text in dashboards.values():
            _dashboard(api, json.loads(text), folder_uid, overwrite, report)
    except GrafanaUnauthorizedError:
        raise PublishError(
            "Grafana answered 401 Unauthorized: the token or the user and password are wrong"
        ) from None
    except GrafanaClientError as error:
        if error.status_code == 403:
            raise PublishError(
                "Grafana answered 403 Forbidden: the credentials lack a permission publishing "
                f"needs (Editor on the folder; Admin for the datasource): {error.message}"
            ) from None
        raise PublishError(f"Grafana refused a request: {error.message}") from None
    except GrafanaException as error:
        raise PublishError(f"Grafana failed: {error.message}") from None
    except OSError as error:  # the HTTP client's connection errors are OSErrors
        raise PublishError(f"cannot reach Grafana: {error}") from None
    return report


def _not_found(call: Callable[[], Any]) -> Any | None:
    """The answer, or None for 404."""
    try:
        return call()
    except GrafanaClientError as error:
        if error.status_code == 404:
            return None
        raise


def _datasource(api: GrafanaApi, url: str, report: Report) -> None:
    wanted = {
        "uid": DATASOURCE_UID,
        "name": DATASOURCE_NAME,
        "type": "prometheus",
        "access": "proxy",
        "url": url,
        "isDefault": False,
        "jsonData": {"httpMethod": "POST"},
    }
    found = _not_found(lambda: api.datasource.get_datasource_by_uid(DATASOURCE_UID))
    what = f"datasource {DATASOURCE_NAME!r}"
    if found is None:
        api.datasource.create_datasource(wanted)
        report.changed.append(what)
    elif any(found.get(key) != value for key, value in wanted.items()):
        api.datasource.update_datasource_by_uid(DATASOURCE_UID, wanted)
        report.changed.append(what)
    else:
        report.unchanged.append(what)


def _folder(api: GrafanaApi, title: str, report: Report) -> str:
    for found in api.folder.get_all_folders():
        if found["title"] == title:
            report.unchanged.append(f"folder {title!r}")
            return str(found["uid"])
    created = api.folder.create_folder(title)
    report.changed.append(f"folder {title!r}")
    return str(created["uid"])


def fingerprint(dashboard: Mapping[str, Any]) -> str:
    """A dashboard's content, without what Grafana adds when saving it."""
    content = {key: value for key, value in dashboard.items() if key not in SERVER_FIELDS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _dashboard(
    api: GrafanaApi, wanted: dict[str, Any], folder_uid: str, overwrite: bool, report: Report
) -> None:
    uid = wanted["uid"]
    what = f"dashboard {uid!r}"
    found = _not_found(lambda: api.dashboard.get_dashboard(uid))
    if found is not None:
        same_place = found.get("meta", {}).get("folderUid") == folder_uid
        if same_place and fingerprint(found["dashboard"]) == fingerprint(wanted):
            report.unchanged.append(what)
            return
        if not overwrite and not _last_saved_by_us(api, uid):
            version = found["dashboard"].get("version")
            raise PublishError(
                f"{what} was changed in Grafana since the last publish (version {version} was "
                "not saved by `conductor dashboards publish`): export that change into "
                "dashboards/ or run again with --overwrite to replace it"
            )
    api.dashboard.update_dashboard(
        {
            "dashboard": {**wanted, "id": None},
            "folderUid": folder_uid,
            "overwrite": True,
            "message": f"{MESSAGE} {fingerprint(wanted)}",
        }
    )
    report.changed.append(what)


def _last_saved_by_us(api: GrafanaApi, uid: str) -> bool:
    answer = api.dashboard_versions.get_dashboard_versions_by_uid(uid, limit=1)
    # Grafana 11 and later wrap the list ({"versions": [...]}); earlier ones return it bare.
    versions = answer.get("versions", []) if isinstance(answer, dict) else answer
    newest = max(versions, key=lambda found: found["version"], default=None)
    return newest is not None and str(newest.get("message", "")).startswith(MESSAGE)
