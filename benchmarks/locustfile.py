"""The users of the load test (`benchmarks/load_test.py` runs it; loopback only, bounded in time).

- officers of the district offices: the school directory and its search, a school's page, partnerships,
  activities and the calendar; they record held activities through the API;
- teachers: their home page and activities; they record activities through the API;
- the department: the figures dashboard (this year and the phase), the home page, the public page.

Every activity recorded is written to LOAD_WRITES (one JSON line each) so the driver can check that every
successful write is in the database afterwards. Pages go through the login form, as a browser would,
behind a proxy that ends TLS (X-Forwarded-Proto: https)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import threading
import uuid

from locust import HttpUser, between, task

ACCOUNTS = json.loads(os.environ["LOAD_ACCOUNTS"])  # {"password", "tokens": {username: token}}
WRITES = os.environ["LOAD_WRITES"]
PROXY = {"X-Forwarded-Proto": "https"}
SEARCHES = ["ung hoa", "hoang mai", "tieu hoc", "thcs", "mam non", "ba vi", "son tay", "dong da"]
# each user's pause between two requests, in seconds: "1,3" (a person reading), "0,0" (back to back: the
# server's capacity, the users' pauses out of the figure)
PAUSE = [float(x) for x in os.environ.get("LOAD_PAUSE", "1,3").split(",")]
_lock = threading.Lock()


class _Browser(HttpUser):
    abstract = True
    wait_time = between(PAUSE[0], PAUSE[-1])
    usernames: list[str] = []

    def on_start(self) -> None:
        self.username = random.choice(self.usernames)  # noqa: S311
        self.client.headers.update(PROXY)
        page = self.client.get("/accounts/login/", name="login page")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self._keep_cookies()
        origin = f"https://{self.host.split('://', 1)[1]}"
        self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.username,
                "password": ACCOUNTS["password"],
            },
            headers={"Referer": f"{origin}/accounts/login/", "Origin": origin},
            name="log in",
            allow_redirects=False,
        )
        self._keep_cookies()

    def _keep_cookies(self) -> None:
        """The cookies are Secure (the app thinks it is behind TLS); the test speaks plain HTTP on
        loopback, so keep a plain copy of each."""
        for cookie in list(self.client.cookies):
            if cookie.secure:
                self.client.cookies.set(cookie.name, cookie.value)

    def _api(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ACCOUNTS['tokens'][self.username]}"}

    def record(self) -> None:
        """Record a held activity of one of the user's partnerships through the API."""
        listed = self.client.get(
            "/api/v1/partnerships?status=active&page_size=20", headers=self._api(), name="api partnerships"
        )
        partnerships = [p for p in listed.json().get("results", []) if p["members"]] if listed.ok else []
        if not partnerships:
            return
        chosen = random.choice(partnerships)  # noqa: S311
        schools = [m["moet_id"] for m in chosen["members"]]
        title = f"Tải thử {uuid.uuid4().hex[:12]}"
        day = dt.date.today() - dt.timedelta(days=random.randint(1, 60))  # noqa: S311, DTZ011
        payload = {
            "kind": "topic",
            "title": title,
            "planned_on": day.isoformat(),
            "held_on": day.isoformat(),
            "host_moet_ids": schools[:1],
            "participant_moet_ids": schools[1:],
            "partnership_ids": [chosen["id"]],
        }
        response = self.client.post(
            "/api/v1/activities", json=payload, headers=self._api(), name="api record"
        )
        if response.status_code == 201:
            with _lock, open(WRITES, "a", encoding="utf-8") as out:
                out.write(json.dumps({"id": response.json()["id"], "title": title}) + "\n")


class Officer(_Browser):
    weight = 5
    usernames = ACCOUNTS["officers"]

    @task(4)
    def directory(self) -> None:
        self.client.get("/schools/", name="schools")

    @task(4)
    def search(self) -> None:
        listed = self.client.get(f"/schools/?q={random.choice(SEARCHES)}", name="schools search")  # noqa: S311
        found = re.findall(r'href="/schools/([0-9A-Za-z]+)/"', listed.text)
        if found:
            self.client.get(f"/schools/{random.choice(found)}/", name="school page")  # noqa: S311

    @task(3)
    def partnerships(self) -> None:
        listed = self.client.get("/partnerships/", name="partnerships")
        found = re.findall(r'href="/partnerships/(\d+)/"', listed.text)
        if found:
            self.client.get(f"/partnerships/{random.choice(found)}/", name="partnership page")  # noqa: S311

    @task(3)
    def activities(self) -> None:
        self.client.get("/activities/", name="activities")

    @task(1)
    def calendar(self) -> None:
        self.client.get("/activities/calendar/", name="calendar")

    @task(2)
    def record_activity(self) -> None:
        self.record()


class Teacher(_Browser):
    weight = 3
    usernames = ACCOUNTS["teachers"]

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(3)
    def activities(self) -> None:
        self.client.get("/activities/", name="activities")

    @task(2)
    def record_activity(self) -> None:
        self.record()


class Department(_Browser):
    weight = 2
    usernames = ACCOUNTS["department"]

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/figures/", name="figures")

    @task(2)
    def phase(self) -> None:
        self.client.get("/figures/?period=phase", name="figures phase")

    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(1)
    def public(self) -> None:
        self.client.get("/cong-khai/", name="public page")


class Bare(_Browser):
    """An officer opening their profile page over and over: the least a page costs (session, user,
    the base template), so the ceiling of any mix of pages on this server. Played only when asked for
    (`load_test.py --only Bare`)."""

    abstract = not os.environ.get("LOAD_BARE")
    usernames = ACCOUNTS["officers"]

    @task
    def profile(self) -> None:
        self.client.get("/accounts/profile/", name="bare page (profile)")
