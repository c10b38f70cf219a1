"""A loopback server speaking exactly the part of Grafana's HTTP API that
`conductor dashboards publish` calls, with Grafana's documented request and response shapes
and status codes (no Grafana server can run here). It records every request it receives.

Endpoints: GET/POST /api/folders; GET /api/datasources/uid/:uid, POST /api/datasources,
PUT /api/datasources/uid/:uid; GET /api/dashboards/uid/:uid, POST /api/dashboards/db,
GET /api/dashboards/uid/:uid/versions (Grafana 11's `{"versions": [...]}` shape, or the bare
list of earlier versions). Authentication: a bearer token or basic auth; a viewer's token may
read but not write (403), anything else is 401.
"""

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ADMIN_TOKEN = "glsa_admin"
VIEWER_TOKEN = "glsa_viewer"
BASIC = ("admin", "s3cret")
FORBIDDEN = (
    "You'll need additional permissions to perform this action. "
    "Permissions needed: dashboards:create"
)


@dataclass
class Request:
    method: str
    path: str
    body: Any
    authorization: str


@dataclass
class GrafanaAPI:
    port: int
    bare_version_list: bool = False
    """Answer the versions endpoint as Grafana before 11 did (a bare list)."""
    requests: list[Request] = field(default_factory=list)
    folders: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasources: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    _ids: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def writes(self) -> list[Request]:
        return [request for request in self.requests if request.method != "GET"]

    # -- what people do in Grafana -------------------------------------------------------

    def save_by_hand(self, uid: str, title: str) -> None:
        """A person edits a dashboard in Grafana's UI and saves it (no version message)."""
        with self.lock:
            stored = self.dashboards[uid]
            stored["dashboard"] = {**stored["dashboard"], "title": title}
            self._new_version(uid, "")

    # -- the API ---------------------------------------------------------------------------

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _new_version(self, uid: str, message: str) -> int:
        stored = self.dashboards[uid]
        version = stored["dashboard"].get("version", 0) + 1
        stored["dashboard"]["version"] = version
        self.versions.setdefault(uid, []).append(
            {
                "id": self._next_id(),
                "dashboardId": stored["dashboard"]["id"],
                "uid": uid,
                "parentVersion": version - 1,
                "restoredFrom": 0,
                "version": version,
                "created": "2026-05-20T10:00:00Z",
                "createdBy": "admin",
                "message": message,
            }
        )
        return version

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if method == "GET" and path == "/api/folders":
            return 200, [
                {"id": f["id"], "uid": uid, "title": f["title"]} for uid, f in self.folders.items()
            ]
        if method == "POST" and path == "/api/folders":
            title = body.get("title") if isinstance(body, dict) else None
            if not title:
                return 400, {"message": "folder title cannot be empty"}
            if any(f["title"] == title for f in self.folders.values()):
                return 409, {"message": "a folder with the same name already exists"}
            uid = body.get("uid") or f"f{self._next_id():08d}"
            folder = {"id": self._next_id(), "uid": uid, "title": title, "version": 1}
            self.folders[uid] = folder
            return 200, {**folder, "url": f"/dashboards/f/{uid}/", "hasAcl": False, "canSave": True}
        if found := re.fullmatch(r"/api/datasources/uid/([^/]+)", path):
            uid = found[1]
            if method == "GET":
                if uid not in self.datasources:
                    return 404, {"message": "Data source not found"}
                return 200, self.datasources[uid]
            if method == "PUT":
                if uid not in self.datasources:
                    return 404, {"message": "Data source not found"}
                stored = {**self.datasources[uid], **body}
                self.datasources[uid] = stored
                return 200, {
                    "datasource": stored,
                    "id": stored["id"],
                    "message": "Datasource updated",
                    "name": stored["name"],
                }
        if method == "POST" and path == "/api/datasources":
            if any(d["name"] == body["name"] for d in self.datasources.values()):
                return 409, {"message": "data source with the same name already exists"}
            stored = {"id": self._next_id(), "orgId": 1, "readOnly": False, **body}
            self.datasources[body["uid"]] = stored
            return 200, {
                "datasource": stored,
                "id": stored["id"],
                "message": "Datasource added",
                "name": stored["name"],
            }
        if found := re.fullmatch(r"/api/dashboards/uid/([^/]+)(/versions)?", path):
            uid, versions = found[1], found[2]
            if uid not in self.dashboards:
                return 404, {"message": "Dashboard not found"}
            if versions:
                listed = sorted(self.versions[uid], key=lambda v: -v["version"])
                return 200, listed if self.bare_version_list else {
                    "continueToken": "",
                    "versions": listed,
                }
            stored = self.dashboards[uid]
            meta = {
                "type": "db",
                "slug": uid,
                "url": f"/d/{uid}/{uid}",
                "folderUid": stored["folderUid"],
                "folderTitle": self.folders[stored["folderUid"]]["title"],
                "version": stored["dashboard"]["version"],
            }
            return 200, {"dashboard": stored["dashboard"], "meta": meta}
        if method == "POST" and path == "/api/dashboards/db":
            dashboard, folder = body["dashboard"], body.get("folderUid", "")
            if folder not in self.folders:
                return 400, {"message": "folder not found", "status": "folder-not-found"}
            uid = dashboard["uid"]
            existing = self.dashboards.get(uid)
            stale = (
                existing is not None
                and dashboard.get("version") != (existing["dashboard"]["version"])
            )
            if stale and not body.get("overwrite"):
                return 412, {
                    "message": "The dashboard has been changed by someone else",
                    "status": "version-mismatch",
                }
            identity = existing["dashboard"]["id"] if existing else self._next_id()
            version = existing["dashboard"]["version"] if existing else 0
            self.dashboards[uid] = {
                "dashboard": {**dashboard, "id": identity, "version": version},
                "folderUid": folder,
            }
            version = self._new_version(uid, body.get("message", ""))
            return 200, {
                "id": identity,
                "uid": uid,
                "url": f"/d/{uid}/{uid}",
                "status": "success",
                "version": version,
                "slug": uid,
            }
        return 404, {"message": "Not found"}

    def start(self) -> "GrafanaAPI":
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                body = (
                    json.loads(raw)
                    if raw and self.headers.get("Content-Type", "").startswith("application/json")
                    else None
                )
                authorization = self.headers.get("Authorization", "")
                with api.lock:
                    api.requests.append(Request(method, path, body, authorization))
                    role = _role(authorization)
                    if role is None:
                        status, answer = 401, {"message": "Unauthorized"}
                    elif role == "Viewer" and method != "GET":
                        status, answer = (
                            403,
                            {
                                "accessErrorId": "ACE0000000001",
                                "message": FORBIDDEN,
                                "title": "Access denied",
                            },
                        )
                    else:
                        status, answer = api.handle(method, path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PUT(self) -> None:
                self._answer("PUT")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _role(authorization: str) -> str | None:
    if authorization == f"Bearer {ADMIN_TOKEN}":
        return "Admin"
    if authorization == f"Bearer {VIEWER_TOKEN}":
        return "Viewer"
    expected = base64.b64encode(f"{BASIC[0]}:{BASIC[1]}".encode()).decode()
    return "Admin" if authorization == f"Basic {expected}" else None
