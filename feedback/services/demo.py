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
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Counter, Response, SurveyTemplate, SurveyVersion
from feedback.services.directory import ImportSummary, import_directory
from feedback.services.surveys import DEFAULT_TEMPLATE, NoSurveyConfigured, SurveyDef, load_survey

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Office hours of a one-stop shop, local time: (start, end) of the morning and the afternoon.
OFFICE_HOURS = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
DEMO_COUNTER = "KH-TTHCC-Q03"
CHUNK = 2000

# The citizen form stores the consent text as the citizen saw it (feedback.web.public.CONSENT_TEXT).
CONSENT_TEXT = {
    "vi": "Tôi đồng ý để cơ quan dùng số điện thoại hoặc email này chỉ để liên hệ lại về góp ý của tôi. "
    "Thông tin này được xoá sau thời hạn lưu trữ hoặc khi tôi yêu cầu.",
    "en": "I agree that the office may use this phone number or email only to contact me about my feedback. "
    "It is deleted after the retention period or when I ask.",
}

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

UNIT_EFFECT = {"KH-TTHCC": 0.05, "KH-P-CAMRANH": 0.1, "KH-X-VANNINH": 0.2, "KH-P-PHANRANG": -0.15}
BASE_LEVEL = 4.3
WEEKDAY_LOAD = (1.4, 1.1, 1.0, 1.0, 0.9)  # Monday .. Friday
LUNAR_NEW_YEAR = (date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13))
FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 2))

# Comments citizens leave, by mood. Some are later typed without diacritics, as on many phones.
PRAISE = (
    "Cán bộ hướng dẫn tận tình, chu đáo. Cảm ơn!",
    "Thủ tục nhanh gọn, chỉ khoảng 15 phút là xong.",
    "Nhân viên vui vẻ, giải thích rõ ràng, dễ hiểu.",
    "Rất hài lòng, không phải đi lại nhiều lần.",
    "Được hướng dẫn nộp hồ sơ trực tuyến, rất tiện.",
    "Chị cán bộ ở quầy nhiệt tình, hướng dẫn cả cách điền tờ khai.",
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


