"""One vocabulary of errors for every boundary.

Hierarchy::

    FanjingError            code (a ``Code``: its HTTP status and title), Chinese message,
                            where (file:line field)
    ├── InputErrors         several FanjingErrors found in one input, reported together
    └── TooManyRequests     a rate limit reached: when to try again (HTTP 429, Retry-After)

Each boundary translates once: the CLI prints ``错误：…（位置：…）`` and exits 2,
HTTP (later) answers with problem+json.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    """Every error code fanjing answers with: its value (stable snake_case, what clients and
    tests see), the HTTP status of a refusal with it, and its title (what kind of problem it
    is; each error's own message says what and where)."""

    status: int
    title: str

    def __new__(cls, value: str, status: int, title: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.title = title
        return member

    ACCOUNT_EXISTS = "account_exists", 422, "已有账户"
    ALREADY_BOOKED = "already_booked", 409, "已有预约"
    ALREADY_CANCELLED = "already_cancelled", 409, "预约已取消"
    ALREADY_CHECKED = "already_checked", 409, "当天已登记"
    ALREADY_CLEARED = "already_cleared", 409, "弹窗已处理"
    ALREADY_CLOSED = "already_closed", 409, "已经结束"
    ALREADY_CONFIRMED = "already_confirmed", 409, "已经确认"
    ALREADY_ENDED = "already_ended", 409, "措施已结束"
    ALREADY_LIFTED = "already_lifted", 409, "地区已解除"
    ALREADY_LINKED = "already_linked", 409, "已关联单位"
    ALREADY_PLACED = "already_placed", 409, "已经安置"
    ALREADY_REVOKED = "already_revoked", 409, "令牌已吊销"
    AMBIGUOUS_PLACE = "ambiguous_place", 422, "地点不明确"
    APPOINTMENT_PAST = "appointment_past", 409, "预约已过"
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", 422, "审计日志链断开"
    BAD_ARGUMENTS = "bad_arguments", 422, "参数不对"
    BAD_COMMUNITY = "bad_community", 422, "不是北京的社区或村"
    BAD_CREDIT_CODE = "bad_credit_code", 422, "统一社会信用代码不对"
    BAD_CSV = "bad_csv", 422, "CSV 格式错误"
    BAD_DATE = "bad_date", 422, "日期不对"
    BAD_DEADLINES = "bad_deadlines", 422, "时限文件无效"
    BAD_ENCODING = "bad_encoding", 422, "文件编码不对"
    BAD_EXCEL = "bad_excel", 422, "不是可读的 Excel 工作簿"
    BAD_FRONT_MATTER = "bad_front_matter", 422, "文件头无效"
    BAD_HEADER = "bad_header", 422, "表头不对"
    BAD_JSON = "bad_json", 422, "JSON 格式错误"
    BAD_KEY_FILE = "bad_key_file", 422, "密钥文件无效"
    BAD_PRODUCTS = "bad_products", 422, "疫苗产品文件无效"
    BAD_RANGE = "bad_range", 422, "日期范围不对"
    BAD_ROW = "bad_row", 422, "行的格式不对"
    BAD_SCENARIO = "bad_scenario", 422, "场景文件无效"
    BAD_SETTING = "bad_setting", 422, "设置无效"
    BAD_STREET = "bad_street", 422, "街道或乡镇不对"
    BAD_TRANSITION = "bad_transition", 409, "工单当前状态不允许此操作"
    BAD_VALUE = "bad_value", 422, "取值无效"
    BAD_YAML = "bad_yaml", 422, "YAML 格式错误"
    BEFORE_PRODUCT_AVAILABLE = "before_product_available", 422, "早于疫苗可接种日期"
    CAPACITY_BELOW_BOOKED = "capacity_below_booked", 409, "预约量少于已预约人数"
    CERTIFICATE_REQUIRED = "certificate_required", 422, "需要接种证明"
    CHECKPOINT_EXISTS = "checkpoint_exists", 409, "检查站已存在"
    CLINIC_EXISTS = "clinic_exists", 409, "门诊已存在"
    CODE_EXPIRED = "code_expired", 422, "验证码已失效"
    CSRF_FAILED = "csrf_failed", 422, "表单已过期"
    DATES_OUT_OF_ORDER = "dates_out_of_order", 422, "日期先后不对"
    DOCUMENT_IN_USE = "document_in_use", 422, "证件已有账户"
    DOSE_EXISTS = "dose_exists", 409, "剂次已有记录"
    DOSE_OUT_OF_SCHEDULE = "dose_out_of_schedule", 422, "剂次超出程序"
    DUPLICATE_PRODUCT = "duplicate_product", 422, "疫苗产品重复"
    EMPLOYER_EXISTS = "employer_exists", 409, "单位已登记"
    EMPTY_FILE = "empty_file", 422, "文件为空"
    EMPTY_PLACE = "empty_place", 422, "地点为空"
    EMPTY_QUERY = "empty_query", 422, "问题为空"
    ENTRY_EXISTS = "entry_exists", 422, "答复已存在"
    EXCEL_TOO_LARGE = "excel_too_large", 422, "表格过大"
    FILE_NOT_FOUND = "file_not_found", 422, "文件不存在"
    FORBIDDEN = "forbidden", 403, "无权这样做"
    FUTURE_DAY = "future_day", 422, "日期在未来"
    IMPORT_SUPERSEDED = "import_superseded", 409, "已有更新的导入"
    INCONSISTENT_ROWS = "inconsistent_rows", 422, "行之间不一致"
    INTERVAL_TOO_SHORT = "interval_too_short", 422, "接种间隔不足"
    INVALID_DOCUMENT = "invalid_document", 422, "证件号码不对"
    INVALID_ID_NUMBER = "invalid_id_number", 422, "身份证号码不对"
    INVALID_INPUT = "invalid_input", 422, "输入无效"
    INVALID_PACK = "invalid_pack", 422, "政策包无效"
    INVALID_PHONE = "invalid_phone", 422, "手机号不对"
    ITINERARY_NOT_EMPTY = "itinerary_not_empty", 422, "行程数据不为空"
    KEY_FILE_OPEN = "key_file_open", 422, "密钥文件权限过宽"
    KEYS_FROM_ENVIRONMENT = "keys_from_environment", 422, "密钥来自环境变量"
    LIST_TOO_OLD = "list_too_old", 409, "名单早于已导入的"
    MISSING_ARGUMENT = "missing_argument", 422, "缺少参数"
    MISSING_COLUMN = "missing_column", 422, "缺少列"
    MISSING_FIELD = "missing_field", 422, "缺少字段"
    NO_ACCOUNT = "no_account", 422, "没有健康宝账户"
    NO_CHECK_DUE = "no_check_due", 422, "无需监测"
    NO_KEYS = "no_keys", 422, "没有密钥"
    NO_LIST_DATE = "no_list_date", 422, "名单没有日期"
    NO_PACK_IN_FORCE = "no_pack_in_force", 422, "没有生效的政策包"
    NO_SCENARIOS = "no_scenarios", 422, "没有场景文件"
    NOT_BOUND = "not_bound", 422, "手机号未绑定"
    NOT_CONFIRMED = "not_confirmed", 422, "未确认"
    NOT_FOUND = "not_found", 404, "没有找到"
    NOT_LIFTED = "not_lifted", 409, "地区未解除"
    NOT_LINKED = "not_linked", 409, "未关联单位"
    NOT_QUEUED = "not_queued", 409, "不在待安置队列中"
    NOT_SURROUNDING_AREA = "not_surrounding_area", 422, "不在环京地区"
    NOTHING_HELD = "nothing_held", 409, "没有暂缓解除的地区"
    OBSERVATION_NOT_OVER = "observation_not_over", 409, "集中观察未结束"
    OLD_KEY_STILL_USED = "old_key_still_used", 422, "仍有数据用旧密钥"
    OTHER_DISTRICT = "other_district", 409, "不在同一区"
    PACK_EXISTS = "pack_exists", 409, "政策包版本已存在"
    PACK_NOT_DRAFT = "pack_not_draft", 409, "政策包不是待审批的"
    PACK_TOO_SLOW = "pack_too_slow", 422, "政策包解析超时"
    PASS_EXPIRED = "pass_expired", 422, "通行码已过期"
    PASS_MALFORMED = "pass_malformed", 422, "通行码格式不对"
    PASS_NOT_YET_VALID = "pass_not_yet_valid", 422, "通行码尚未生效"
    PASS_TAMPERED = "pass_tampered", 422, "通行码被改动过"
    PASS_UNKNOWN_KEY = "pass_unknown_key", 422, "通行码的签名密钥不认识"
    PAST_DAY = "past_day", 422, "日期已过"
    PAYLOAD_TOO_LARGE = "payload_too_large", 413, "请求过大"
    PHONE_BOUND_ELSEWHERE = "phone_bound_elsewhere", 409, "手机号已绑定在其他账户"
    PLACE_TOO_COARSE = "place_too_coarse", 422, "地点不够具体"
    POLICY_ERROR = "policy_error", 422, "政策包无法计算"
    QUERY_TOO_LONG = "query_too_long", 422, "问题过长"
    ROOM_EXISTS = "room_exists", 409, "房间已登记"
    ROOM_OCCUPIED = "room_occupied", 409, "房间有人入住"
    ROOM_REFUSED = "room_refused", 409, "房间不能安置"
    ROOMS_CHANGED = "rooms_changed", 409, "房间状态已变"
    SAME_APPROVER = "same_approver", 403, "须由另一人审批"
    SHARDS_CHANGED = "shards_changed", 422, "分片设置不同"
    SITE_EXISTS = "site_exists", 409, "观察点已登记"
    SLOT_CONFLICT = "slot_conflict", 409, "预约量正被同时设置"
    SLOT_FULL = "slot_full", 409, "预约已满"
    SMS_FAILED = "sms_failed", 502, "短信发送失败"  # the gateway said no
    SMS_UNAVAILABLE = "sms_unavailable", 503, "短信服务无法连接"  # gateway not reached
    SYNC_LEASE_LOST = "sync_lease_lost", 422, "同步租约已失去"
    TOKEN_EXPIRED = "token_expired", 401, "令牌已过期"
    TOKEN_REVOKED = "token_revoked", 401, "令牌已吊销"
    STAY_AFTER_ARRIVAL = "stay_after_arrival", 422, "停留晚于进京日"
    TOO_DEEP = "too_deep", 422, "嵌套过深"
    TOO_LONG = "too_long", 422, "过长"
    TOO_MANY_REQUESTS = "too_many_requests", 429, "请求过于频繁"
    TOO_MANY_ROWS = "too_many_rows", 422, "行数过多"
    UNAUTHENTICATED = "unauthenticated", 401, "需要登录"
    UNDECRYPTABLE = "undecryptable", 500, "无法解密"  # the keys: an operator acts
    UNKNOWN_CODE = "unknown_code", 422, "不认识的健康码状态"
    UNKNOWN_CITY = "unknown_city", 422, "不认识的城市"
    UNKNOWN_CLINIC = "unknown_clinic", 422, "不认识的门诊"
    UNKNOWN_DOCUMENT = "unknown_document", 422, "不认识的证件类型"
    UNKNOWN_FIELD = "unknown_field", 422, "不认识的字段"
    UNKNOWN_FILE_TYPE = "unknown_file_type", 422, "不认识的文件类型"
    UNKNOWN_LEVEL = "unknown_level", 422, "不认识的风险等级"
    UNKNOWN_PLACE = "unknown_place", 422, "无法识别的地点"
    UNKNOWN_PLATFORM = "unknown_platform", 422, "不认识的平台"
    UNKNOWN_PRODUCT = "unknown_product", 422, "不认识的疫苗产品"
    UNKNOWN_ROLE = "unknown_role", 422, "不认识的角色"
    UNREADABLE_FILE = "unreadable_file", 422, "无法读取文件"
    USAGE = "usage", 422, "用法不对"
    USER_EXISTS = "user_exists", 409, "用户已存在"
    WRONG_CODE = "wrong_code", 422, "验证码不对"
    WRONG_PLATFORM = "wrong_platform", 422, "绑定平台不对"
    YAML_ALIAS = "yaml_alias", 422, "政策包用了 YAML 锚点或别名"


@dataclass(frozen=True)
class Where:
    """Where a problem is: a file (or ``-``), a 1-based line, and a field path."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"第{self.line}行")
        if self.field:
            parts.append(f"字段 {self.field}")
        return " ".join(parts)

    def inside(self, field: str) -> Where:
        """The same place, one field deeper."""
        joined = (
            field
            if not self.field
            else f"{self.field}{'' if field.startswith('[') else '.'}{field}"
        )
        return Where(self.file, self.line, joined)

    def at(self, file: str | None = None, line: int | None = None) -> Where:
        """This field path, placed in a file and line (keeping what is already known)."""
        return Where(self.file or file, self.line or line, self.field)


class FanjingError(Exception):
    """A problem a person can fix: stable ``code``, Chinese ``message`` and ``where``."""

    def __init__(self, code: Code, message: str, where: Where | None = None) -> None:
        super().__init__(message)
        self.code = Code(code)  # a registered code, even where one arrives as its string
        self.message = message
        self.where = where or Where()

    def located(self, file: str | None = None, line: int | None = None) -> FanjingError:
        return FanjingError(self.code, self.message, self.where.at(file, line))

    def problems(self) -> list[FanjingError]:
        """Each problem to show: this one (``InputErrors``: each it holds)."""
        return [self]

    def __str__(self) -> str:
        where = str(self.where)
        return f"{self.message}（位置：{where}）" if where else self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.where.file,
            "line": self.where.line,
            "field": self.where.field,
        }


class InputErrors(FanjingError):
    """Every problem found in one input, so a person can fix them all at once."""

    def __init__(self, errors: Iterable[FanjingError]) -> None:
        self.errors = list(errors)
        first = self.errors[0] if self.errors else FanjingError(Code.INVALID_INPUT, "输入无效")
        super().__init__(first.code, first.message, first.where)

    def located(self, file: str | None = None, line: int | None = None) -> InputErrors:
        return InputErrors(e.located(file, line) for e in self.errors)

    def problems(self) -> list[FanjingError]:
        return list(self.errors)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class TooManyRequests(FanjingError):
    """A rate limit reached; ``retry_after``: whole seconds until a try may succeed."""

    def __init__(self, message: str, retry_after: int, where: Where | None = None) -> None:
        super().__init__(Code.TOO_MANY_REQUESTS, message, where)
        self.retry_after = retry_after
