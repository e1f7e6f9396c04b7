"""The demo movement's life: a roster of teachers for every school in a partnership, and three school
years of activities (2022–2025) plus the current year up to today, at the seeds' orders of magnitude
(the seeds' 628 school-tier topics in spring 2023, about 150,000 teacher participations in the
phase), with some partnerships going quiet and
some planned activities never confirmed. Deterministic for a seed and a date; idempotent (skipped when
the demo department already has activities). Rows are written in bulk without history: they are demo
data, and the history of real rows starts with the users who write them."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from chungtay.accounts.models import Role, User
from chungtay.activities import facts
from chungtay.activities.models import (
    Activity,
    ActivityKind,
    ActivitySchool,
    ActivityStatus,
    Mode,
    Participation,
    Tier,
)
from chungtay.core import schoolyears
from chungtay.core.bulk import insert_rows
from chungtay.core.dates import today
from chungtay.core.text import padded_search_key, vietnamese_sort_key
from chungtay.directory.models import EducationOffice, School, SchoolYearFigures, Teacher
from chungtay.partnerships.models import Partnership, PartnershipMember, PartnershipStatus, Side

FIRST_YEAR = 2022
ROSTER_MAX = 60
QUIET_SHARE = 0.12  # partnerships that stop meeting after the phase's final review

SURNAMES = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 3 + ["Phạm"] * 2 + [
    "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Phan", "Đinh", "Trịnh", "Lương", "Tạ", "Kiều", "Chu",
]  # fmt: skip
MIDDLE_F = ["Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Kim", "Minh", "Phương", "Hải"]
MIDDLE_M = ["Văn", "Văn", "Đức", "Minh", "Quốc", "Hữu", "Thanh", "Xuân", "Mạnh", "Tiến"]
GIVEN_F = ["Lan", "Hương", "Mai", "Hà", "Linh", "Trang", "Hằng", "Nga", "Hoa", "Thảo", "Yến", "Phương",
           "Dung", "Huyền", "Nhung", "Vân", "Loan", "Thủy", "Oanh", "Quyên", "Ngân", "Hạnh"]  # fmt: skip
GIVEN_M = ["Minh", "Hùng", "Dũng", "Tuấn", "Nam", "Sơn", "Long", "Hải", "Quang", "Thắng", "Cường", "Bình",
           "Hiếu", "Trung", "Đức", "Khánh", "Phong", "Tùng"]  # fmt: skip
SUBJECTS = {
    "mn": ["Giáo dục mầm non"],
    "th": ["Tiếng Việt", "Toán", "Tiếng Anh", "Tự nhiên và Xã hội", "Đạo đức", "Âm nhạc", "Mĩ thuật",
           "Tin học"],
    "thcs": ["Ngữ văn", "Toán", "Tiếng Anh", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Tin học", "GDCD"],
    "thpt": ["Ngữ văn", "Toán", "Tiếng Anh", "Vật lí", "Hóa học", "Sinh học", "Lịch sử", "Địa lí", "Tin học"],
}  # fmt: skip
GRADES: dict[str, list[int | None]] = {
    "mn": [None],
    "th": [1, 2, 3, 4, 5],
    "thcs": [6, 7, 8, 9],
    "thpt": [10, 11, 12],
}
THEMES = [
    "đổi mới phương pháp dạy học theo chương trình 2018", "dạy học phát triển năng lực",
    "ứng dụng công nghệ số",
    "giải bài toán bằng cách lập phương trình", "đọc hiểu văn bản", "dạy học STEM", "kiểm tra đánh giá",
    "bồi dưỡng học sinh giỏi", "phụ đạo học sinh yếu", "kĩ năng sống", "dạy học theo dự án",
]  # fmt: skip
MN_THEMES = ["hoạt động trải nghiệm", "làm quen với chữ cái", "phát triển vận động", "âm nhạc cho trẻ",
             "lấy trẻ làm trung tâm"]  # fmt: skip
# Kinds of school-tier activities a partnership holds in a school year: (kind, mean per year).
SCHOOL_TIER = [
    (ActivityKind.TOPIC, 2.2),
    (ActivityKind.OBSERVATION, 1.8),
    (ActivityKind.JOINT_MEETING, 1.3),
    (ActivityKind.EXCHANGE, 0.9),
    (ActivityKind.STUDY_VISIT, 0.45),
    (ActivityKind.ARTS_SPORTS, 0.35),
]
# A new partnership opens with topics (upper-secondary schools with exchanges), this many on average in
# the ten weeks after it starts: the seeds' 628 school-tier topics and 36 exchanges of spring 2023.
OPENING = {ActivityKind.TOPIC: 1.1, ActivityKind.EXCHANGE: 0.5}
OPENING_DAYS = 70
OFFICE_TOPICS = 7.0  # per twinning and school year
ONLINE_SHARE = 0.12  # of exchanges and joint meetings (the seeds: 6 of 36 upper-secondary exchanges)
CORE = 18  # the teachers of a school who carry its partnerships: most participations are theirs


WITH_PUPILS = (ActivityKind.EXCHANGE, ActivityKind.ARTS_SPORTS)


class _Rows:
    def __init__(self) -> None:
        self.activities: list[Activity] = []
        self.schools: list[
            list[tuple[int, bool, int, int]]
        ] = []  # per activity: (school, host, pupils, parents)
        self.partnerships: list[list[int]] = []
        self.teachers: list[list[tuple[int, int]]] = []  # per activity: (teacher, school)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.78:  # most teachers, especially below THPT, are women
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"


def _basic(level: str) -> str:
    return {"th_thcs": "thcs", "thcs_thpt": "thpt", "th_thcs_thpt": "thpt", "gdnn_gdtx": "thpt"}.get(
        level, level
    )


def _rosters(rng: random.Random, schools: Sequence[School]) -> dict[int, list[int]]:
    """Teachers for each school, as many as its latest yearly figure says (at most ROSTER_MAX)."""
    sizes = dict(
        SchoolYearFigures.objects.filter(school__in=schools)
        .order_by("school_id", "school_year__start_year")
        .values_list("school_id", "teachers")
    )
    now = timezone.now()
    rows: list[tuple[object, ...]] = []
    for school in schools:
        subjects = SUBJECTS[_basic(school.level)]
        for _ in range(max(8, min(ROSTER_MAX, sizes.get(school.pk, 30)))):
            full_name = _name(rng)
            given = full_name.split()[-1]
            rows.append(
                (
                    school.pk,
                    full_name,
                    rng.choice(subjects),
                    True,
                    padded_search_key(full_name),
                    vietnamese_sort_key(f"{given} {full_name}"),
                    now,
                    now,
                )
            )
    insert_rows(
        Teacher,
        ["school", "full_name", "subject", "is_active", "name_key", "sort_key", "created_at", "updated_at"],
        rows,
    )
    roster: dict[int, list[int]] = defaultdict(list)
    for pk, school_id in Teacher.objects.filter(school__in=schools).values_list("pk", "school_id"):
        roster[school_id].append(pk)
    return roster


def _school_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A weekday between two dates, avoiding the summer break (June to August)."""
    span = (end - start).days
    for _ in range(20):
        day = start + dt.timedelta(days=rng.randint(0, max(span, 0)))
        if day.weekday() < 5 and day.month not in (6, 7, 8):
            return day
    return start


def _title(rng: random.Random, kind: str, level: str, subject: str, grade: int | None, host: School) -> str:
    basic = _basic(level)
    theme = rng.choice(MN_THEMES if basic == "mn" else THEMES)
    on = f" lớp {grade}" if grade else ""
    titles: dict[str, str] = {
        ActivityKind.TOPIC: f"Chuyên đề {subject}{on}: {theme}",
        ActivityKind.OBSERVATION: f"Dự giờ tiết {subject}{on} tại {host.name}",
        ActivityKind.JOINT_MEETING: f"Sinh hoạt chuyên môn liên trường tổ {subject}: {theme}",
        ActivityKind.EXCHANGE: f"Giao lưu chuyên môn {subject}: {theme}",
        ActivityKind.STUDY_VISIT: f"Tham quan học tập tại {host.name}",
        ActivityKind.ARTS_SPORTS: rng.choice(
            [
                "Giao lưu văn nghệ chào mừng ngày Nhà giáo Việt Nam",
                "Giao lưu thể thao liên trường",
                "Ngày hội đọc sách liên trường",
                "Giao lưu câu lạc bộ tiếng Anh",
            ]
        ),
    }
    return titles.get(kind, f"Hoạt động {subject}")[:300]


def _status(rng: random.Random, day: dt.date, now: dt.date) -> tuple[str, dt.date | None, str]:
    if day > now:
        return ActivityStatus.PLANNED, None, ""
    roll = rng.random()
    recent = (now - day).days < 45
    if roll < 0.03:
        return ActivityStatus.CANCELLED, None, "Trùng lịch kiểm tra của Sở"
    if roll < 0.05 or (recent and roll < 0.25):
        return ActivityStatus.PLANNED, None, ""  # the date passed and nobody confirmed it yet
    return ActivityStatus.HELD, day, ""


def _add(
    rows: _Rows,
    rng: random.Random,
    *,
    department: EducationOffice,
    creator: User,
    kind: str,
    tier: str,
    title: str,
    day: dt.date,
    now: dt.date,
    hosts: Sequence[School],
    guests_of: Sequence[School],
    roster: dict[int, list[int]],
    partnerships: Sequence[int],
    subject: str = "",
    grade: int | None = None,
    mode: str = Mode.IN_PERSON,
    per_school: tuple[int, int] = (3, 8),
    pupils: tuple[int, int] = (0, 0),
    ends_on: dt.date | None = None,
    days_per_week: int | None = None,
) -> None:
    status, held_on, reason = _status(rng, day, now)
    rows.activities.append(
        Activity(
            department=department,
            kind=kind,
            mode=mode,
            tier=tier,
            title=title,
            title_key=padded_search_key(title),
            subject=subject,
            grade=grade,
            planned_on=day,
            held_on=held_on,
            ends_on=ends_on,
            days_per_week=days_per_week,
            status=status,
            status_reason=reason,
            guests=rng.choice([0, 0, 0, 1, 2, 3]) if tier != Tier.SCHOOL else 0,
            created_by=creator,
        )
    )
    held = status == ActivityStatus.HELD
    schools: list[tuple[int, bool, int, int]] = []
    teachers: list[tuple[int, int]] = []
    for school in [*hosts, *(s for s in guests_of if s not in hosts)]:
        is_host = school in hosts
        kids = rng.randint(*pupils) if held and pupils[1] else 0
        parents = rng.randint(0, 6) if held and kind == ActivityKind.ARTS_SPORTS else 0
        schools.append((school.pk, is_host, kids, parents))
        if held and roster.get(school.pk):
            low, high = per_school
            count = min(
                len(roster[school.pk]), rng.randint(low + (2 if is_host else 0), high + (3 if is_host else 0))
            )
            core = roster[school.pk][: max(CORE, count)]  # mostly the same teachers come back
            teachers.extend((teacher, school.pk) for teacher in rng.sample(core, count))
    rows.schools.append(schools)
    rows.partnerships.append(list(partnerships))
    rows.teachers.append(teachers)


def _write(rows: _Rows, creator: User) -> int:
    """Activities through the ORM (their ids are needed), the rows under them, by the hundred thousand,
    as plain inserts (`core.bulk.insert_rows`)."""
    activities = Activity.objects.bulk_create(rows.activities, batch_size=2000)
    if any(a.pk is None for a in activities):  # a backend that returns no ids
        activities = list(Activity.objects.order_by("-pk")[: len(rows.activities)])[::-1]
    insert_rows(
        ActivitySchool,
        ["activity", "school", "is_host", "pupils", "parents"],
        (
            (a.pk, s, h, p, q)
            for a, schools in zip(activities, rows.schools, strict=True)
            for s, h, p, q in schools
        ),
    )
    insert_rows(
        Activity.partnerships.through,
        ["activity", "partnership"],
        ((a.pk, p) for a, ids in zip(activities, rows.partnerships, strict=True) for p in ids),
    )
    now = timezone.now()
    return insert_rows(
        Participation,
        ["activity", "teacher", "school", "recorded_by", "recorded_at"],
        (
            (a.pk, t, s, creator.pk, now)
            for a, teachers in zip(activities, rows.teachers, strict=True)
            for t, s in teachers
        ),
    )


@transaction.atomic
def load_demo_activities(*, seed: int = 2022, now: dt.date | None = None) -> dict[str, int]:
    department = EducationOffice.objects.get(code="so-hanoi")
    if Activity.objects.filter(department=department).exists():
        return {"activities": Activity.objects.filter(department=department).count(), "created": 0}
    rng = random.Random(seed)
    now = now or today()
    admin = User.objects.get(username="admin")
    partnerships = list(
        Partnership.objects.filter(department=department)
        .exclude(status__in=[PartnershipStatus.PENDING, PartnershipStatus.CANCELLED])
        .select_related("twinning")
        .order_by("number")
    )
    members: dict[int, list[tuple[School, str]]] = defaultdict(list)
    for m in (
        PartnershipMember.objects.filter(partnership__in=partnerships).select_related("school").order_by("pk")
    ):
        members[m.partnership_id].append((m.school, m.side))
    schools = sorted({s.pk: s for ms in members.values() for s, _ in ms}.values(), key=lambda s: s.moet_id)
    roster = _rosters(rng, schools)
    leaders = {u.school_id: u for u in User.objects.filter(role=Role.SCHOOL_LEADER, school__in=schools)}
    quiet = {p.pk for p in partnerships if rng.random() < QUIET_SHARE}
    quiet_after = dt.date(2025, 5, 31)
    last_year = schoolyears.start_year_of(now)
    rows = _Rows()

    for year in range(FIRST_YEAR, last_year + 1):
        first, last = schoolyears.bounds(year)
        last = min(last, now + dt.timedelta(days=42))  # plans reach six weeks ahead
        # school tier: what each partnership does in the year
        for p in partnerships:
            start = max(first, p.starts_on)
            end = min(last, p.ends_on or last, quiet_after if p.pk in quiet else last)
            if end <= start:
                continue
            share = (end - start).days / 365
            ms = members[p.pk]
            basic = _basic(p.level if p.level != "mixed" else ms[0][0].level)
            plan = [
                (kind, start, end)
                for kind, mean in SCHOOL_TIER
                for _ in range(_poisson(rng, mean * share * (1.4 if basic == "thpt" else 1.0)))
            ]
            if year == schoolyears.start_year_of(p.starts_on):
                # a new partnership opens with topics (exchanges between upper-secondary schools)
                opening = ActivityKind.EXCHANGE if basic == "thpt" else ActivityKind.TOPIC
                plan += [(opening, start, min(end, start + dt.timedelta(days=OPENING_DAYS)))] * _poisson(
                    rng, OPENING[opening]
                )
            for kind, first_day, last_day in plan:
                supporting = [s for s, side in ms if side != Side.SUPPORTED] or [ms[0][0]]
                host = rng.choice(supporting if rng.random() < 0.7 else [s for s, _ in ms])
                subject = rng.choice(SUBJECTS[basic])
                grade = rng.choice(GRADES[basic])
                mode = (
                    Mode.ONLINE
                    if kind in (ActivityKind.EXCHANGE, ActivityKind.JOINT_MEETING)
                    and rng.random() < ONLINE_SHARE
                    else Mode.IN_PERSON
                )
                _add(
                    rows,
                    rng,
                    department=department,
                    creator=leaders.get(host.pk, admin),
                    kind=kind,
                    tier=Tier.SCHOOL,
                    title=_title(rng, kind, p.level, subject, grade, host),
                    day=_school_day(rng, first_day, last_day),
                    now=now,
                    hosts=[host],
                    guests_of=[s for s, _ in ms if s.pk != host.pk],
                    roster=roster,
                    partnerships=[p.pk],
                    subject=subject if basic != "mn" else "",
                    grade=grade,
                    mode=mode,
                    pupils=(20, 120) if kind in WITH_PUPILS else (0, 0),
                )
        # office tier: each twinning's offices run topics for their schools in partnerships
        by_twinning: dict[int, list[Partnership]] = defaultdict(list)
        for p in partnerships:
            if p.twinning_id:
                by_twinning[p.twinning_id].append(p)
        for group in by_twinning.values():
            pool = sorted(
                {s.pk: s for p in group for s, _ in members[p.pk]}.values(), key=lambda s: s.moet_id
            )
            for _ in range(_poisson(rng, OFFICE_TOPICS)):
                host = rng.choice(pool)
                basic = _basic(host.level)
                same = [s for s in pool if _basic(s.level) == basic and s.pk != host.pk]
                guests_of = rng.sample(same, min(len(same), rng.randint(4, 14)))
                subject = rng.choice(SUBJECTS[basic])
                grade = rng.choice(GRADES[basic])
                _add(
                    rows,
                    rng,
                    department=department,
                    creator=admin,
                    kind=ActivityKind.TOPIC,
                    tier=Tier.OFFICE,
                    title=_title(rng, ActivityKind.TOPIC, host.level, subject, grade, host),
                    day=_school_day(rng, first, last),
                    now=now,
                    hosts=[host],
                    guests_of=guests_of,
                    roster=roster,
                    partnerships=[p.pk for p in group if any(s.pk == host.pk for s, _ in members[p.pk])],
                    subject=subject if basic != "mn" else "",
                    grade=grade,
                    per_school=(3, 9),
                )
        # city tier: the department's topics for upper-secondary schools, and one tutoring programme
        upper = [s for s in schools if _basic(s.level) == "thpt"]
        for _ in range(_poisson(rng, 14)):
            host = rng.choice(upper)
            subject = rng.choice(SUBJECTS["thpt"])
            guests_of = rng.sample(
                [s for s in upper if s.pk != host.pk], min(len(upper) - 1, rng.randint(10, 30))
            )
            _add(
                rows,
                rng,
                department=department,
                creator=admin,
                kind=ActivityKind.TOPIC,
                tier=Tier.CITY,
                title=_title(rng, ActivityKind.TOPIC, "thpt", subject, 12, host),
                day=_school_day(rng, first, last),
                now=now,
                hosts=[host],
                guests_of=guests_of,
                roster=roster,
                partnerships=[],
                subject=subject,
                grade=12,
                mode=Mode.ONLINE if rng.random() < 0.2 else Mode.IN_PERSON,
                per_school=(1, 4),
            )
        if year <= last_year - 1 and upper:
            host = upper[year % len(upper)]
            start_day, end_day = dt.date(year + 1, 3, 15), dt.date(year + 1, 6, 22)
            if start_day <= now:
                _add(
                    rows,
                    rng,
                    department=department,
                    creator=admin,
                    kind=ActivityKind.TUTORING,
                    tier=Tier.CITY,
                    title=f"Dạy học miễn phí lớp 12 ôn thi tốt nghiệp ({schoolyears.label(year)})",
                    day=start_day,
                    now=now,
                    hosts=[host],
                    guests_of=rng.sample(upper, min(5, len(upper))),
                    roster=roster,
                    partnerships=[],
                    subject="Toán, Ngữ văn, Tiếng Anh",
                    grade=12,
                    per_school=(5, 8),
                    ends_on=end_day,
                    days_per_week=2,
                )
    participations = _write(rows, admin)
    facts.rebuild()  # the figures read these summaries; the bulk writes above bypass the services
    return {
        "activities": len(rows.activities),
        "created": len(rows.activities),
        "participations": participations,
    }


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method is enough for the small means used here)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k
