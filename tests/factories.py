"""Keyword-only factories that speak the app's language; each flushes and returns the row."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Counter, Service, Staff, SurveyTemplate, SurveyVersion, Unit

_seq = itertools.count(1)


class Factories:
    """Each factory commits, as the real use cases do (inside a test that releases a savepoint)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _save(self, obj):  # noqa: ANN001, ANN202
        self.session.add(obj)
        self.session.commit()
        return obj

    def unit(
        self,
        *,
        code: str | None = None,
        name_vi: str | None = None,
        parent: Unit | None = None,
        active: bool = True,
        name_en: str = "",
        kind: str = "centre",
    ) -> Unit:
        n = next(_seq)
        unit = Unit(
            code=code or f"U{n}",
            name_vi=name_vi or f"Đơn vị {n}",
            name_en=name_en or f"Unit {n}",
            parent_id=parent.id if parent else None,
            kind=kind,
            active=active,
        )
        return self._save(unit)

    def counter(
        self,
        *,
        code: str | None = None,
        unit: Unit | None = None,
        active: bool = True,
        label_vi: str | None = None,
        label_en: str = "",
    ) -> Counter:
        n = next(_seq)
        unit = unit or self.unit()
        counter = Counter(
            code=code or f"C{n}",
            unit_id=unit.id,
            label_vi=label_vi or f"Quầy {n:02d}",
            label_en=label_en or f"Counter {n:02d}",
            active=active,
        )
        return self._save(counter)

    def staff(self, *, code: str | None = None, unit: Unit | None = None, full_name: str = "Nguyễn Văn An") -> Staff:
        n = next(_seq)
        staff = Staff(
            code=code or f"S{n}", full_name=full_name, unit_id=(unit or self.unit()).id, position="", email=""
        )
        return self._save(staff)

    def service(self, *, code: str | None = None, name_vi: str = "Chứng thực bản sao") -> Service:
        n = next(_seq)
        service = Service(code=code or f"1.{n:06d}", name_vi=name_vi, name_en="", field="")
        return self._save(service)

    def latest_version(self, template_code: str = "default") -> SurveyVersion:
        return self.session.scalar(
            select(SurveyVersion)
            .join(SurveyTemplate)
            .where(SurveyTemplate.code == template_code)
            .order_by(SurveyVersion.number.desc())
        )
