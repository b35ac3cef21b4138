"""Patchwork checks through its REST API.

- the patch is found by Message-ID: ``GET /api/<v>/patches/?msgid=...``
  (not there yet: Patchwork lags behind the list, so try again later);
- before posting, ``GET .../patches/<id>/checks/`` — a check with our
  context, state and description already there means a crashed run posted
  it: nothing is posted twice;
- ``POST .../patches/<id>/checks/`` with ``Authorization: Token ...``;
  400 (bad request), 403 (the token may not post checks) and 404 (no such
  patch) are final and logged; 5xx and network errors are retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .config import Patchwork
from .http import HttpError, Polite


@dataclass(frozen=True)
class Outcome:
    done: bool  # posted now or found posted
    retry: bool  # try again later (patch not in Patchwork yet, server trouble)
    detail: str  # one line for the log


class PatchworkClient:
    def __init__(self, cfg: Patchwork, http: Polite) -> None:
        self.cfg = cfg
        self.http = http

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.cfg.token}"} if self.cfg.token else {}

    def find_patch(self, msgid: str) -> int | None:
        params = {"msgid": msgid.strip("<>")}
        if self.cfg.project:
            params["project"] = self.cfg.project
        resp = self.http.request("GET", f"{self.cfg.api}/patches/", params=params, ok=(200, 404))
        if resp.status_code != 200:
            return None
        data = _json(resp)
        if isinstance(data, dict):  # a paginated answer
            data = data.get("results", [])
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                return item["id"]
        return None

    def post(self, payload: bytes) -> Outcome:
        check = json.loads(payload)
        msgid = check.pop("msgid")
        if not self.cfg.token:
            return Outcome(False, False, "no Patchwork token configured (token_env)")
        try:
            pid = self.find_patch(msgid)
            if pid is None:
                return Outcome(False, True, f"patch <{msgid}> is not in Patchwork (yet)")
            url = f"{self.cfg.api}/patches/{pid}/checks/"
            got = self.http.request("GET", url, ok=(200, 404))
            if got.status_code == 200 and _already(_json(got), check):
                return Outcome(True, False, f"check already on patch {pid}")
            resp = self.http.request("POST", url, json=check, headers=self._auth(), ok=(200, 201))
        except HttpError as exc:
            return Outcome(False, True, str(exc))
        if resp.status_code in (200, 201):
            return Outcome(True, False, f"posted {check['state']} on patch {pid}")
        why = {400: "rejected the check", 403: "refused the token (not allowed to post checks here)",
               404: "has no such patch"}.get(resp.status_code, f"answered HTTP {resp.status_code}")
        final = resp.status_code in (400, 401, 403, 404, 405)
        return Outcome(False, not final, f"Patchwork {why}: {_detail(resp)}".rstrip(": "))


def _already(data: object, check: dict) -> bool:
    if isinstance(data, dict):
        data = data.get("results", [])
    if not isinstance(data, list):
        return False
    return any(
        isinstance(c, dict) and c.get("context") == check["context"] and c.get("state") == check["state"]
        and (c.get("description") or "") == check["description"]
        for c in data
    )


def _json(resp) -> object:
    try:
        return resp.json()
    except ValueError:
        return None


def _detail(resp) -> str:
    data = _json(resp)
    if isinstance(data, dict):
        text = "; ".join(f"{k}: {v}" for k, v in data.items())
    else:
        text = resp.text if resp.text else ""
    return " ".join(text.split())[:200]
