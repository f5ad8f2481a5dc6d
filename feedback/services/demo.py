"""The demo province: a believable Khánh Hòa with months of citizen responses.

The directory (units, counters, staff, services) goes through the CSV directory import, so
it is upserted by code exactly as an administrator's files would be, and its codes agree
with ``examples/directory``. Responses are generated only while the demo counters have none,
so running the demo again changes nothing.

The responses carry a few stories for a demonstration to find: two excellent and two poor
civil servants (the poor ones draw attitude complaints), a ward that improves steadily over
the period, and a month in which timeliness dips at the provincial centre.

Procedure codes follow the national format (``1.001193``); they are demo data, not a
reference list of the national procedure database.
"""

from __future__ import annotations

import csv
import io
import math
import random
import unicodedata
import uuid
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import (
    Answer,
    Counter,
    Response,
    ResponseContact,
    Service,
    Staff,
    SurveyTemplate,
    SurveyVersion,
    Unit,
)
from feedback.services import cases, summaries
from feedback.services.directory import ImportSummary, import_directory
from feedback.services.responses import COMMENT_CODE, CONSENT_TEXTS, new_receipt
from feedback.services.surveys import DEFAULT_TEMPLATE, NoSurveyConfigured, QuestionDef, SurveyDef, load_survey
from feedback.services.text import fold

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Office hours of a one-stop shop, local time: (start, end) of the morning and the afternoon.
OFFICE_HOURS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
DEMO_COUNTER = "KH-TTHCC-Q03"
CHUNK = 2000


# code, name_vi, name_en, parent_code, kind. Two-tier local government since 1 July 2025: no district level.
UNITS = (
    ("KH", "UBND tỉnh Khánh Hòa", "Khánh Hòa Provincial People's Committee", "", "province"),
    (
        "KH-TTHCC",
        "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
        "Khánh Hòa Public Administration Service Centre",
        "KH",
        "centre",
    ),
    ("KH-STP", "Sở Tư pháp", "Department of Justice", "KH", "agency"),
    ("KH-SXD", "Sở Xây dựng", "Department of Construction", "KH", "agency"),
    ("KH-SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment", "KH", "agency"),
    ("KH-STC", "Sở Tài chính", "Department of Finance", "KH", "agency"),
    ("KH-CA", "Công an tỉnh Khánh Hòa", "Khánh Hòa Provincial Police", "KH", "agency"),
    ("KH-P-NHATRANG", "UBND phường Nha Trang", "Nha Trang Ward People's Committee", "KH", "ward"),
    ("KH-P-CAMRANH", "UBND phường Cam Ranh", "Cam Ranh Ward People's Committee", "KH", "ward"),
    ("KH-P-NINHHOA", "UBND phường Ninh Hòa", "Ninh Hòa Ward People's Committee", "KH", "ward"),
    ("KH-X-VANNINH", "UBND xã Vạn Ninh", "Vạn Ninh Commune People's Committee", "KH", "commune"),
    ("KH-P-PHANRANG", "UBND phường Phan Rang", "Phan Rang Ward People's Committee", "KH", "ward"),
)

# code, name_vi, name_en, field
SERVICES = (
    ("1.001193", "Đăng ký khai sinh", "Birth registration", "Hộ tịch"),
    ("1.000894", "Đăng ký kết hôn", "Marriage registration", "Hộ tịch"),
    ("1.000656", "Đăng ký khai tử", "Death registration", "Hộ tịch"),
    ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Certificate of marital status", "Hộ tịch"),
    ("1.004884", "Đăng ký lại khai sinh", "Re-registration of a birth", "Hộ tịch"),
    (
        "1.004859",
        "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        "Change, correction or completion of civil status details",
        "Hộ tịch",
    ),
    ("2.000635", "Cấp bản sao Trích lục hộ tịch", "Copy of a civil status extract", "Hộ tịch"),
    ("1.001022", "Đăng ký nhận cha, mẹ, con", "Registration of parent-child recognition", "Hộ tịch"),
    ("2.000908", "Chứng thực bản sao từ bản chính giấy tờ", "Certified copy from an original document", "Chứng thực"),
    (
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Certification of a signature on papers and documents",
        "Chứng thực",
    ),
    (
        "2.001035",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
        "Certification of a contract or transaction on movable property",
        "Chứng thực",
    ),
    (
        "2.000488",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
        "Criminal record certificate for Vietnamese citizens and foreigners residing in Vietnam",
        "Lý lịch tư pháp",
    ),
    ("1.001071", "Đăng ký hành nghề và cấp Thẻ công chứng viên", "Practice registration and notary card", "Công chứng"),
    (
        "1.009972",
        "Cấp giấy phép xây dựng mới đối với công trình cấp III",
        "Construction permit for a grade III building",
        "Xây dựng",
    ),
    (
        "1.009974",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Construction permit for a new detached house",
        "Xây dựng",
    ),
    ("1.009976", "Cấp giấy phép sửa chữa, cải tạo công trình", "Permit to repair or renovate a building", "Xây dựng"),
    (
        "1.009987",
        "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
        "Construction practice certificate, grade II or III",
        "Xây dựng",
    ),
    (
        "1.012772",
        "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận lần đầu",
        "First registration of land and attached assets, and first land use rights certificate",
        "Đất đai",
    ),
    (
        "1.012790",
        "Đăng ký biến động khi chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất",
        "Registration of a transfer, gift or inheritance of land use rights",
        "Đất đai",
    ),
    (
        "1.012796",
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Replacement of a certificate of land use rights and ownership of attached assets",
        "Đất đai",
    ),
    (
        "1.012806",
        "Đăng ký thế chấp quyền sử dụng đất, tài sản gắn liền với đất",
        "Registration of a mortgage on land use rights and attached assets",
        "Đất đai",
    ),
    ("1.012850", "Cung cấp thông tin, dữ liệu đất đai", "Provision of land information and data", "Đất đai"),
    (
        "2.001610",
        "Đăng ký thành lập công ty TNHH một thành viên",
        "Registration of a single-member limited liability company",
        "Đăng ký kinh doanh",
    ),
    (
        "2.002031",
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        "Change of enterprise registration details",
        "Đăng ký kinh doanh",
    ),
    (
        "2.001583",
        "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo",
        "Notice of a temporary suspension or early resumption of business",
        "Đăng ký kinh doanh",
    ),
    ("2.000720", "Đăng ký thành lập hộ kinh doanh", "Registration of a household business", "Đăng ký kinh doanh"),
    ("1.004194", "Đăng ký thường trú", "Permanent residence registration", "Cư trú"),
    ("1.004212", "Đăng ký tạm trú", "Temporary residence registration", "Cư trú"),
    (
        "2.001772",
        "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)",
        "Ordinary passport issued in Vietnam (provincial level)",
        "Xuất nhập cảnh",
    ),
    (
        "1.001776",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        "Start, change or end of a monthly social allowance",
        "Bảo trợ xã hội",
    ),
)

# code, full_name, home unit, position. Department staff are seconded to the centre's counters.
STAFF = (
    ("CB0001", "Nguyễn Thị Thu Hà", "KH-SXD", "Chuyên viên"),
    ("CB0002", "Trần Văn Minh", "KH-P-NHATRANG", "Công chức một cửa"),
    ("CB0003", "Lê Hoàng Nam", "KH-STP", "Chuyên viên"),
    ("CB0004", "Phạm Thị Ngọc Ánh", "KH-STP", "Chuyên viên"),
    ("CB0005", "Võ Minh Tuấn", "KH-STP", "Phó Trưởng phòng Hành chính tư pháp"),
    ("CB0006", "Huỳnh Thị Kim Oanh", "KH-SNNMT", "Chuyên viên"),
    ("CB0007", "Đặng Quốc Bảo", "KH-SNNMT", "Chuyên viên"),
    ("CB0008", "Bùi Thị Thanh Tâm", "KH-SNNMT", "Chuyên viên"),
    ("CB0009", "Đỗ Văn Hùng", "KH-SNNMT", "Chuyên viên chính"),
    ("CB0010", "Hồ Thị Mỹ Linh", "KH-SXD", "Chuyên viên"),
    ("CB0011", "Ngô Thanh Sơn", "KH-SXD", "Phó Trưởng phòng Quản lý xây dựng"),
    ("CB0012", "Dương Thị Hồng Nhung", "KH-STC", "Chuyên viên"),
    ("CB0013", "Lý Văn Phúc", "KH-STC", "Chuyên viên"),
    ("CB0014", "Phan Thị Diễm My", "KH-TTHCC", "Viên chức"),
    ("CB0015", "Vũ Đức Thắng", "KH-CA", "Cán bộ Phòng Quản lý xuất nhập cảnh"),
    ("CB0016", "Trương Thị Bích Ngọc", "KH-CA", "Cán bộ Phòng Quản lý xuất nhập cảnh"),
    ("CB0017", "Mai Xuân Trường", "KH-CA", "Cán bộ Phòng Quản lý xuất nhập cảnh"),
    ("CB0018", "Châu Thị Thùy Dung", "KH-TTHCC", "Viên chức"),
    ("CB0019", "Nguyễn Hữu Phước", "KH-P-NHATRANG", "Công chức một cửa"),
    ("CB0020", "Lê Thị Hải Yến", "KH-P-NHATRANG", "Công chức Tư pháp - Hộ tịch"),
    ("CB0021", "Trần Quang Vinh", "KH-P-NHATRANG", "Công chức Địa chính - Xây dựng"),
    ("CB0022", "Phạm Ngọc Hân", "KH-P-NHATRANG", "Công chức Địa chính - Xây dựng"),
    ("CB0023", "Nguyễn Đình Khoa", "KH-P-NHATRANG", "Phó Trưởng phòng Kinh tế, Hạ tầng và Đô thị"),
    ("CB0024", "Võ Thị Tuyết Mai", "KH-P-CAMRANH", "Công chức một cửa"),
    ("CB0025", "Huỳnh Văn Lộc", "KH-P-CAMRANH", "Công chức Tư pháp - Hộ tịch"),
    ("CB0026", "Đinh Thị Lan Anh", "KH-P-CAMRANH", "Công chức một cửa"),
    ("CB0027", "Tạ Minh Khang", "KH-P-CAMRANH", "Công chức Địa chính - Xây dựng"),
    ("CB0028", "Cao Thị Phương Thảo", "KH-P-NINHHOA", "Công chức một cửa"),
    ("CB0029", "Lương Văn Tài", "KH-P-NINHHOA", "Công chức Tư pháp - Hộ tịch"),
    ("CB0030", "Nguyễn Thị Kiều Trinh", "KH-P-NINHHOA", "Công chức một cửa"),
    ("CB0031", "Trịnh Công Danh", "KH-P-NINHHOA", "Công chức Địa chính - Xây dựng"),
    ("CB0032", "Hoàng Thị Thu Trang", "KH-X-VANNINH", "Công chức một cửa"),
    ("CB0033", "Lê Văn Sang", "KH-X-VANNINH", "Công chức Tư pháp - Hộ tịch"),
    ("CB0034", "Phùng Thị Ngân", "KH-X-VANNINH", "Công chức Văn hóa - Xã hội"),
    ("CB0035", "Đàng Thị Mỹ Hạnh", "KH-P-PHANRANG", "Công chức một cửa"),
    ("CB0036", "Nguyễn Ngọc Quý", "KH-P-PHANRANG", "Công chức Tư pháp - Hộ tịch"),
    ("CB0037", "Quảng Văn Tuấn", "KH-P-PHANRANG", "Công chức Địa chính - Xây dựng"),
    ("CB0038", "Đoàn Thị Hạnh", "KH-STP", "Trưởng phòng Hành chính tư pháp"),
    ("CB0039", "Kiều Văn Thành", "KH-SNNMT", "Phó Trưởng phòng Đất đai"),
    ("CB0040", "Thái Thị Minh Nguyệt", "KH-P-PHANRANG", "Công chức một cửa"),
)

# The stories: (overall effect, attitude effect) on a 1-5 scale for the notable staff.
STAFF_QUALITY = {
    "CB0003": (0.45, 0.4),
    "CB0032": (0.5, 0.4),
    "CB0007": (-0.9, -1.3),
    "CB0019": (-1.0, -1.4),
}
IMPROVING_UNIT = "KH-P-NINHHOA"
DIP_UNIT = "KH-TTHCC"

_WARD_DESK = {
    "1.001193": 6,
    "1.000894": 3,
    "1.000656": 2,
    "1.004873": 3,
    "1.004884": 1,
    "1.004859": 1,
    "2.000635": 2,
    "1.001022": 0.5,
    "2.000908": 10,
    "2.000884": 4,
    "2.001035": 1,
    "2.000720": 1.5,
    "1.004194": 2,
    "1.004212": 2,
    "1.001776": 1,
    "1.009974": 0.7,
    "1.012772": 0.7,
}
_WARD_LAND = {"1.009974": 3, "1.009976": 1, "1.012772": 3, "1.012790": 2, "2.000720": 2}


@dataclass(frozen=True)
class DemoCounter:
    code: str
    unit_code: str
    label_vi: str
    label_en: str
    per_day: float  # mean responses on an ordinary weekday
    services: dict[str, float]  # service code -> weight
    roster: dict[str, float]  # staff code -> share of shifts
    timeliness: float = 0.0  # slow procedures (land, construction) wait longer


COUNTERS = (
    DemoCounter(
        "KH-TTHCC-Q01",
        "KH-TTHCC",
        "Quầy 01 – Tư pháp",
        "Counter 01 – Justice",
        6,
        {"2.000488": 8, "2.000635": 2, "1.001071": 1},
        {"CB0003": 1, "CB0004": 1, "CB0005": 0.3, "CB0038": 0.15, "CB0018": 0.3},
    ),
    DemoCounter(
        "KH-TTHCC-Q02",
        "KH-TTHCC",
        "Quầy 02 – Đất đai",
        "Counter 02 – Land",
        12,
        {"1.012790": 6, "1.012772": 3, "1.012796": 3, "1.012806": 4, "1.012850": 2},
        {"CB0006": 1, "CB0007": 1, "CB0008": 1, "CB0009": 0.6, "CB0039": 0.2},
        timeliness=-0.3,
    ),
    DemoCounter(
        DEMO_COUNTER,
        "KH-TTHCC",
        "Quầy 03 – Xây dựng",
        "Counter 03 – Construction",
        6,
        {"1.009972": 3, "1.009987": 3, "1.009976": 2},
        {"CB0001": 1, "CB0010": 1, "CB0011": 0.3},
        timeliness=-0.2,
    ),
    DemoCounter(
        "KH-TTHCC-Q04",
        "KH-TTHCC",
        "Quầy 04 – Đăng ký kinh doanh",
        "Counter 04 – Business registration",
        8,
        {"2.001610": 4, "2.002031": 4, "2.001583": 2},
        {"CB0012": 1, "CB0013": 1, "CB0014": 0.7, "CB0018": 0.3},
    ),
    DemoCounter(
        "KH-TTHCC-Q05",
        "KH-TTHCC",
        "Quầy 05 – Công an tỉnh (xuất nhập cảnh)",
        "Counter 05 – Provincial Police (passports)",
        9,
        {"2.001772": 1},
        {"CB0015": 1, "CB0016": 1, "CB0017": 1},
    ),
    DemoCounter(
        "KH-NT-Q01",
        "KH-P-NHATRANG",
        "Quầy 01 – Một cửa phường",
        "Counter 01 – Ward one-stop shop",
        11,
        _WARD_DESK,
        {"CB0002": 1, "CB0019": 1, "CB0020": 1},
    ),
    DemoCounter(
        "KH-NT-Q02",
        "KH-P-NHATRANG",
        "Quầy 02 – Đất đai, xây dựng",
        "Counter 02 – Land and construction",
        6,
        _WARD_LAND,
        {"CB0021": 1, "CB0022": 1, "CB0023": 0.3},
        timeliness=-0.2,
    ),
    DemoCounter(
        "KH-CR-Q01",
        "KH-P-CAMRANH",
        "Quầy 01 – Một cửa phường",
        "Counter 01 – Ward one-stop shop",
        9,
        _WARD_DESK,
        {"CB0024": 1, "CB0025": 1, "CB0026": 1, "CB0027": 0.5},
    ),
    DemoCounter(
        "KH-NH-Q01",
        "KH-P-NINHHOA",
        "Quầy 01 – Một cửa phường",
        "Counter 01 – Ward one-stop shop",
        8,
        _WARD_DESK,
        {"CB0028": 1, "CB0029": 1, "CB0030": 1, "CB0031": 0.5},
    ),
    DemoCounter(
        "KH-VN-Q01",
        "KH-X-VANNINH",
        "Quầy 01 – Một cửa xã",
        "Counter 01 – Commune one-stop shop",
        6,
        _WARD_DESK,
        {"CB0032": 1, "CB0033": 1, "CB0034": 0.5},
    ),
    DemoCounter(
        "KH-PR-Q01",
        "KH-P-PHANRANG",
        "Quầy 01 – Một cửa phường",
        "Counter 01 – Ward one-stop shop",
        9,
        _WARD_DESK,
        {"CB0035": 1, "CB0036": 1, "CB0037": 0.5, "CB0040": 1},
    ),
)

UNIT_NAMES = {code: name_vi for code, name_vi, *_ in UNITS}
UNIT_EFFECT = {"KH-TTHCC": 0.05, "KH-P-CAMRANH": 0.1, "KH-X-VANNINH": 0.2, "KH-P-PHANRANG": -0.15}
BASE_LEVEL = 4.4
WEEKDAY_LOAD = (1.4, 1.1, 1.0, 1.0, 0.9)  # Monday .. Friday
LUNAR_NEW_YEAR = (date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13))
# The demo's offices close from two days before Tết to four days after; the fixed holidays are the cases'.
TET_CLOSURE = frozenset(tet + timedelta(days=offset) for tet in LUNAR_NEW_YEAR for offset in range(-2, 5))

# Comments citizens leave, by mood. Some are later typed without diacritics, as on many phones.
PRAISE = (
    "Cán bộ hướng dẫn tận tình, chu đáo. Cảm ơn!",
    "Thủ tục nhanh gọn, chỉ khoảng 15 phút là xong.",
    "Nhân viên vui vẻ, giải thích rõ ràng, dễ hiểu.",
    "Rất hài lòng, không phải đi lại nhiều lần.",
    "Được hướng dẫn nộp hồ sơ trực tuyến, rất tiện.",
    "Cán bộ ở quầy nhiệt tình, hướng dẫn cả cách điền tờ khai.",
    "Phòng chờ sạch sẽ, mát mẻ, có nước uống.",
    "Trả kết quả đúng hẹn, cảm ơn các anh chị.",
    "Lấy số thứ tự nhanh, không phải chờ lâu.",
    "Cán bộ lịch sự, nhẹ nhàng với người lớn tuổi.",
)
SUGGESTIONS = (
    "Nên bố trí thêm chỗ để xe, sáng thứ Hai rất đông.",
    "Mong có thêm quầy vào sáng thứ Hai.",
    "Nên niêm yết mẫu tờ khai điền sẵn để người dân tham khảo.",
    "Máy lấy số thứ tự thỉnh thoảng bị lỗi.",
    "Wifi ở phòng chờ yếu, khó nộp hồ sơ trực tuyến.",
    "Đề nghị có thêm người hướng dẫn cho người lớn tuổi.",
    "Phí, lệ phí nên ghi rõ hơn trên bảng niêm yết.",
    "Nên cho thanh toán lệ phí bằng chuyển khoản, quét mã QR.",
    "Giờ nghỉ trưa hơi dài, nên có quầy trực buổi trưa.",
)
COMPLAINTS = (
    "Chờ hơn 1 tiếng mới tới lượt.",
    "Hồ sơ phải bổ sung nhiều lần, mỗi lần hướng dẫn một kiểu.",
    "Hẹn trả kết quả nhưng đến nơi chưa có, phải về rồi quay lại.",
    "Không được hướng dẫn rõ ràng, phải hỏi nhiều lần.",
    "Quá hạn mà không có thông báo hay lời xin lỗi.",
    "Yêu cầu nộp thêm giấy tờ không có trong danh mục niêm yết.",
)
ATTITUDE_COMPLAINTS = (
    "Cán bộ thái độ khó chịu, nói trống không.",
    "Nhân viên vừa làm vừa xem điện thoại, hỏi thì trả lời cộc lốc.",
    "Cán bộ cáu gắt với người lớn tuổi, đề nghị chấn chỉnh.",
    "Thái độ thiếu tôn trọng người dân, không giải thích mà chỉ bảo về bổ sung.",
    "Hỏi lại lần thứ hai thì cán bộ to tiếng.",
)
DELAY_COMPLAINTS = (
    "Hệ thống bị lỗi, chờ cả buổi sáng.",
    "Phần mềm chậm, cán bộ phải nhập lại hồ sơ nhiều lần.",
    "Hẹn 3 ngày mà 2 tuần chưa có kết quả.",
    "Đông quá mà chỉ có một quầy làm việc.",
)
FACILITY_COMPLAINTS = (
    "Phòng một cửa chật, nóng, không đủ chỗ ngồi.",
    "Không có bảng hướng dẫn, không biết nộp ở quầy nào.",
)
FACILITY_PRAISE = (
    "Phòng một cửa mới sửa sang khang trang, sạch sẽ.",
    "Có thêm bảng hướng dẫn và ghế chờ, tốt hơn trước nhiều.",
)
PRAISE_EN = (
    "Staff were very helpful and explained everything in English.",
    "Quick and easy, thank you.",
    "Friendly staff and a clean waiting room.",
)
SUGGESTIONS_EN = ("Forms are only in Vietnamese; an English version would help.", "Please accept card payments.")
COMPLAINTS_EN = (
    "Waited too long, and the queue system was confusing.",
    "Nobody could explain which documents I needed.",
)
CONTACT_HANDLES = ("nguyenvanan", "tranthibich", "lehoanglong", "phamthuhuong", "vominhquan", "dangthimai", "buiducanh")
ATTRIBUTION = {"ticket": "ticket", "counter": "signed_in", "kiosk": "signed_in"}
CHANNELS = {  # channel -> (share at the centre, share at a ward, chance the serving staff is known)
    "counter": (0.65, 0.85, 0.8),
    "kiosk": (0.2, 0.05, 0.95),
    "ticket": (0.15, 0.1, 1.0),
}
SERVICE_KNOWN = {"counter": 0.8, "kiosk": 0.9, "ticket": 1.0}


@dataclass
class _Draft:
    row: dict
    answers: list[tuple[int, int | str]]
    contact: str | None = None


@dataclass(frozen=True)
class _Responses:
    count: int
    created: bool
    first_day: date | None = None
    dip_month: date | None = None


def build_demo(session: Session, months: int = 6, seed: int = 2026, *, base_url: str = "") -> str:
    """Build the demo province and ``months`` of responses ending today; return a short summary.

    Idempotent: the directory is upserted by code, and responses are generated only while the
    demo counters have none. The same seed on the same day gives the same responses (receipts
    are drawn at random, as a real submission's are). ``base_url`` prefixes the citizen URL.
    Raises NoSurveyConfigured when the built-in ``default`` survey is missing.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    survey = _default_survey(session)
    session.rollback()  # end the read: each write below opens its own transaction (BEGIN IMMEDIATE on SQLite)
    directory = import_directory(session, _directory_files())
    responses = _build_responses(session, survey, months, random.Random(seed))
    return _summary(directory, responses, base_url)


def _default_survey(session: Session) -> SurveyDef:
    upgrade = "run `flask --app wsgi db upgrade` first"
    if not inspect(session.connection()).has_table(SurveyVersion.__tablename__):
        raise NoSurveyConfigured(f"the database has no tables yet; {upgrade}")
    version_id = session.scalar(
        select(SurveyVersion.id)
        .join(SurveyTemplate, SurveyTemplate.id == SurveyVersion.template_id)
        .where(SurveyTemplate.code == DEFAULT_TEMPLATE, SurveyVersion.active.is_(True))
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    )
    if version_id is None:
        raise NoSurveyConfigured(f"the built-in survey template {DEFAULT_TEMPLATE!r} is missing; {upgrade}")
    return load_survey(session, version_id)


def _csv(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _without_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _email(full_name: str) -> str:
    """Government style: the given name, then the initials of the others (Nguyễn Thị Thu Hà: ha.ntt)."""
    words = _without_diacritics(full_name).lower().split()
    return f"{words[-1]}.{''.join(w[0] for w in words[:-1])}@example.gov.vn"


def _directory_files() -> dict[str, tuple[str, bytes]]:
    counters = [(c.code, c.unit_code, c.label_vi, c.label_en) for c in COUNTERS]
    staff = [(code, name, unit, position, _email(name)) for code, name, unit, position in STAFF]
    return {
        "units": ("units.csv", _csv(("code", "name_vi", "name_en", "parent_code", "kind"), list(UNITS))),
        "services": ("services.csv", _csv(("code", "name_vi", "name_en", "field"), list(SERVICES))),
        "counters": ("counters.csv", _csv(("code", "unit_code", "label_vi", "label_en"), counters)),
        "staff": ("staff.csv", _csv(("code", "full_name", "unit_code", "position", "email"), staff)),
    }


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _build_responses(session: Session, survey: SurveyDef, months: int, rng: random.Random) -> _Responses:
    with write_transaction(session):
        counters = dict(
            session.execute(select(Counter.code, Counter.id).where(Counter.code.in_(c.code for c in COUNTERS))).all()
        )
        existing = session.scalar(
            select(func.count()).select_from(Response).where(Response.counter_id.in_(counters.values()))
        )
        if existing:
            return _Responses(existing, created=False)
        now = datetime.now(LOCAL_TZ)
        first_day = _months_before(now.date(), months) + timedelta(days=1)
        dip_month = _months_before(now.date(), months // 2).replace(day=1)
        ids = {
            "unit": dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(u[0] for u in UNITS))).all()),
            "counter": counters,
            "staff": dict(
                session.execute(select(Staff.code, Staff.id).where(Staff.code.in_(s[0] for s in STAFF))).all()
            ),
            "service": dict(
                session.execute(select(Service.code, Service.id).where(Service.code.in_(s[0] for s in SERVICES))).all()
            ),
        }
        drafts = _Generator(survey, rng, ids, first_day, now, dip_month).drafts()
        receipts = _free_receipts(session, len(drafts))
        for start in range(0, len(drafts), CHUNK):
            _insert(session, drafts[start : start + CHUNK], receipts[start : start + CHUNK])
        # Bulk inserts bypass submit_response, so the daily summaries are rebuilt for the period.
        summaries.rebuild(session, first_day, now.date())
        cases.open_missing_cases(session, 3, "Asia/Ho_Chi_Minh")
    return _Responses(len(drafts), True, first_day, dip_month)


def _free_receipts(session: Session, n: int) -> list[str]:
    """``n`` distinct receipt numbers that no stored response has (the table is locked for writing meanwhile)."""
    receipts: set[str] = set()
    while len(receipts) < n:
        batch = list({new_receipt() for _ in range(n - len(receipts))} - receipts)
        taken: set[str] = set()
        for start in range(0, len(batch), 1000):
            taken.update(
                session.scalars(select(Response.receipt).where(Response.receipt.in_(batch[start : start + 1000])))
            )
        receipts.update(r for r in batch if r not in taken)
    return sorted(receipts)


def _insert(session: Session, drafts: list[_Draft], receipts: list[str]) -> None:
    """Bulk-insert responses, then their answers and contacts, as ``responses._insert`` stores one submission."""
    rows = [{**draft.row, "receipt": receipt} for draft, receipt in zip(drafts, receipts, strict=True)]
    # render_nulls keeps every row's columns alike, so each table takes a few multi-row INSERTs, not one per row.
    bulk = {"render_nulls": True}
    inserted = session.execute(
        insert(Response).returning(Response.id, Response.submission_id), rows, execution_options=bulk
    )
    ids = {sid: rid for rid, sid in inserted}
    answers, contacts = [], []
    for draft in drafts:
        response_id = ids[draft.row["submission_id"]]
        for question_id, value in draft.answers:
            is_int = isinstance(value, int)
            answers.append(
                {
                    "response_id": response_id,
                    "question_id": question_id,
                    "value_int": value if is_int else None,
                    "value_text": None if is_int else value,
                }
            )
        if draft.contact:
            contacts.append(
                {
                    "response_id": response_id,
                    "contact": draft.contact,
                    "consent_text": CONSENT_TEXTS[draft.row["language"]],
                    "consented_at": draft.row["submitted_at"],
                }
            )
    if answers:
        session.execute(insert(Answer), answers, execution_options=bulk)
    if contacts:
        session.execute(insert(ResponseContact), contacts, execution_options=bulk)


def demo_working_day(day: date) -> bool:
    """A day the demo's (and the scale benchmark's) offices are open."""
    return cases.is_working_day(day, TET_CLOSURE)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _level(value: float) -> int:
    return max(1, min(5, math.floor(value + 0.5)))


class _Generator:
    """Draws the responses day by day, counter by counter, with one random stream."""

    def __init__(
        self,
        survey: SurveyDef,
        rng: random.Random,
        ids: dict[str, dict[str, int]],
        first_day: date,
        now: datetime,
        dip_month: date,
    ) -> None:
        self.survey, self.rng, self.ids = survey, rng, ids
        self.first_day, self.now, self.dip_month = first_day, now, dip_month
        self.span = max(1, (now.date() - first_day).days)
        self.asks_comment = any(q.code == COMMENT_CODE and q.type == "text" for q in survey.questions)
        # Everyone differs a little; the story staff differ a lot.
        self.quality = {code: STAFF_QUALITY.get(code, (rng.gauss(0, 0.15), rng.gauss(0, 0.15))) for code, *_ in STAFF}

    def drafts(self) -> list[_Draft]:
        drafts: list[_Draft] = []
        day = self.first_day
        while day <= self.now.date():
            if demo_working_day(day):
                busy: set[tuple[str, int]] = set()
                for counter in COUNTERS:
                    shifts = [self._on_duty(counter, half, busy) for half in (0, 1)]
                    for _ in range(_poisson(self.rng, counter.per_day * WEEKDAY_LOAD[day.weekday()])):
                        half = 0 if self.rng.random() < 0.6 else 1
                        moment = self._moment(day, half)
                        if moment <= self.now:
                            drafts.append(self._draft(counter, shifts[half], moment))
            day += timedelta(days=1)
        drafts.sort(key=lambda d: d.row["submitted_at"])  # ids then follow time, as real ones do
        return drafts

    def _on_duty(self, counter: DemoCounter, half: int, busy: set[tuple[str, int]]) -> str:
        free = {code: w for code, w in counter.roster.items() if (code, half) not in busy} or counter.roster
        code = self.rng.choices(list(free), weights=list(free.values()))[0]
        busy.add((code, half))
        return code

    def _moment(self, day: date, half: int) -> datetime:
        start, end = OFFICE_HOURS[half]
        low, high = start.hour * 3600 + start.minute * 60, end.hour * 3600 + end.minute * 60
        seconds = min(high - 1, int(self.rng.triangular(low, high, low + (high - low) * 0.4)))
        return datetime.combine(day, time(), tzinfo=LOCAL_TZ) + timedelta(seconds=seconds)

    def _draft(self, counter: DemoCounter, staff_code: str, moment: datetime) -> _Draft:
        rng = self.rng
        at_centre = counter.unit_code == DIP_UNIT
        channel = rng.choices(list(CHANNELS), weights=[v[0 if at_centre else 1] for v in CHANNELS.values()])[0]
        known = rng.random() < CHANNELS[channel][2]
        service = None
        if rng.random() < SERVICE_KNOWN[channel]:
            service = rng.choices(list(counter.services), weights=list(counter.services.values()))[0]
        english = counter.unit_code in (DIP_UNIT, "KH-P-NHATRANG")
        language = "en" if rng.random() < (0.08 if english else 0.02) else "vi"
        progress = (moment.date() - self.first_day).days / self.span
        dip = at_centre and moment.date().replace(day=1) == self.dip_month
        levels = self._levels(counter, staff_code, progress, dip)
        answers, answered = self._answers(levels)
        comment = contact = None
        if self.asks_comment:
            comment = self._comment(language, levels, answered, staff_code, progress, dip, counter.unit_code)
            if comment and rng.random() < (0.3 if levels["overall"] <= 2 else 0.04):
                contact = f"{rng.choice(CONTACT_HANDLES)}{rng.randint(60, 99)}@example.com"
        submitted_at = moment.astimezone(UTC)
        row = {
            "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "channel": channel,
            "unit_id": self.ids["unit"][counter.unit_code],
            "counter_id": self.ids["counter"][counter.code],
            "staff_id": self.ids["staff"][staff_code] if known else None,
            "staff_attribution": ATTRIBUTION[channel] if known else "none",
            "service_id": self.ids["service"][service] if service else None,
            "version_id": self.survey.version_id,
            "submitted_at": submitted_at,
            "language": language,
            "comment": comment,
            "comment_folded": fold(comment),
            "status": "valid",
            "updated_at": submitted_at,
        }
        return _Draft(row, answers, contact)

    def _levels(self, counter: DemoCounter, staff_code: str, progress: float, dip: bool) -> dict[str, int]:
        gauss = self.rng.gauss
        overall_effect, attitude_effect = self.quality[staff_code]
        trend = -0.9 + 1.1 * progress if counter.unit_code == IMPROVING_UNIT else 0.0
        core = BASE_LEVEL + UNIT_EFFECT.get(counter.unit_code, 0.0) + overall_effect + trend + gauss(0, 0.6)
        if dip:
            core -= 0.2
        if self.rng.random() < 0.02:  # a bad day that has nothing to do with the counter
            core -= 2.5
        raw = {
            "attitude": core + attitude_effect + gauss(0, 0.45),
            "timeliness": core + counter.timeliness - (1.3 if dip else 0.0) + gauss(0, 0.55),
            "ease": core + counter.timeliness / 2 + gauss(0, 0.5),
            "transparency": core + 0.05 + gauss(0, 0.5),
        }
        raw["overall"] = 0.5 * core + 0.5 * sum(raw.values()) / len(raw) + gauss(0, 0.3)
        return {name: _level(value) for name, value in raw.items()}

    def _answers(self, levels: dict[str, int]) -> tuple[list[tuple[int, int | str]], set[str]]:
        """The answers to store, skipping optional questions as hurried citizens do."""
        rng = self.rng
        only_required = rng.random() < 0.08
        answers: list[tuple[int, int | str]] = []
        answered: set[str] = set()
        for question in self.survey.questions:
            if question.code == COMMENT_CODE and question.type == "text":
                continue  # stored in Response.comment
            if not question.required and (only_required or rng.random() < 0.06):
                continue
            value = _value(question, levels.get(question.dimension or question.code, levels["overall"]))
            if value is not None:
                answers.append((question.id, value))
                answered.add(question.dimension or question.code)
        return answers, answered

    def _comment(
        self,
        language: str,
        levels: dict[str, int],
        answered: set[str],
        staff_code: str,
        progress: float,
        dip: bool,
        unit_code: str,
    ) -> str | None:
        rng = self.rng
        low = min(levels.get(name, levels["overall"]) for name in answered | {"overall"}) <= 2
        chance = 0.45 if levels["overall"] <= 2 else 0.3 if low or levels["overall"] == 3 else 0.11
        if rng.random() >= chance:
            return None
        if language == "en":
            return rng.choice(COMPLAINTS_EN if low else SUGGESTIONS_EN if levels["overall"] == 3 else PRAISE_EN)
        improving = unit_code == IMPROVING_UNIT
        if low:
            if self.quality[staff_code][1] < -0.5 and levels["attitude"] <= 2 and rng.random() < 0.8:
                pool = ATTITUDE_COMPLAINTS
            elif dip and levels["timeliness"] <= 2:
                pool = DELAY_COMPLAINTS
            elif improving and progress < 0.4 and rng.random() < 0.5:
                pool = FACILITY_COMPLAINTS
            else:
                pool = COMPLAINTS
        elif levels["overall"] == 3:
            pool = COMPLAINTS if rng.random() < 0.3 else SUGGESTIONS
        elif improving and progress > 0.6 and rng.random() < 0.3:
            pool = FACILITY_PRAISE
        else:
            pool = PRAISE if rng.random() < 0.7 else SUGGESTIONS
        text = rng.choice(pool)
        if pool is PRAISE and rng.random() < 0.15:
            text = f"{text} {rng.choice(SUGGESTIONS)}"
        if rng.random() < 0.25:  # typed on a phone without a Vietnamese keyboard
            text = _without_diacritics(text)
            if rng.random() < 0.5:
                text = text.lower()
        return text


def _value(question: QuestionDef, level: int) -> int | str | None:
    """A level on the five-level scale as an answer to ``question``; None for types the demo leaves blank."""
    if question.type == "rating5":
        return level
    if question.type == "rating3":
        return 3 if level >= 4 else 2 if level == 3 else 1
    if question.type == "nps":
        return min(10, level * 2)
    if question.type == "yesno":
        return 1 if level >= 3 else 0
    if question.type == "choice" and question.required and question.options:
        return question.options[0]["value"]
    return None


def _summary(directory: ImportSummary, responses: _Responses, base_url: str) -> str:
    lines = [
        f"Demo province {UNITS[0][1]} ({UNITS[0][0]}): {len(UNITS)} units, {len(COUNTERS)} counters, "
        f"{len(STAFF)} staff, {len(SERVICES)} services",
        f"  directory: {directory.line()}",
    ]
    if responses.created:
        lines.append(f"responses: {responses.count} created, {responses.first_day:%d/%m/%Y} to today")
        best = sorted(STAFF_QUALITY, key=lambda code: -STAFF_QUALITY[code][0])
        lines.append(
            f"  to look for: best staff {', '.join(best[:2])}, poorest {', '.join(best[-2:])} (attitude complaints); "
            f"{UNIT_NAMES[IMPROVING_UNIT]} improves month by month; "
            f"timeliness dips at {DIP_UNIT} in {responses.dip_month:%m/%Y}"
        )
    else:
        lines.append(f"responses: {responses.count} already on the demo counters; none created")
    lines.append(f"citizen page of counter {DEMO_COUNTER}: {base_url}/q/{DEMO_COUNTER}")
    return "\n".join(lines)
