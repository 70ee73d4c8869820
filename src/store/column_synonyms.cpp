#include "wangge/store/column_synonyms.hpp"

#include <algorithm>
#include <array>

#include "tables.hpp"
#include "wangge/model/text.hpp"

namespace wangge::store {

namespace {

using namespace std::string_view_literals;

// Names per field, the export header first. A name appears once per layer,
// so a header never names two fields. "序号" (a roster's running number) is
// not an id: it restarts in every workbook.

constexpr std::array grid_code{"网格编码"sv, "网格编号"sv, "网格代码"sv, "编码"sv, "编号"sv};
constexpr std::array grid_name{"网格名称"sv, "名称"sv};
constexpr std::array grid_level{"层级"sv, "级别"sv, "网格层级"sv};
constexpr std::array grid_parent{"上级编码"sv, "上级网格编码"sv, "父级编码"sv, "所属上级"sv};
constexpr std::array grid_valid_from{"生效时间"sv, "启用时间"sv, "生效日期"sv};
constexpr std::array grid_valid_to{"失效时间"sv, "停用时间"sv, "失效日期"sv};
constexpr std::array grid_version{"版本"sv, "版本号"sv};
constexpr std::array grid_purpose{"专属类型"sv, "专属网格类型"sv, "用途"sv};
constexpr std::array grids{
    FieldSynonyms{"code", grid_code},           FieldSynonyms{"name", grid_name},
    FieldSynonyms{"level", grid_level},         FieldSynonyms{"parent_code", grid_parent},
    FieldSynonyms{"valid_from", grid_valid_from}, FieldSynonyms{"valid_to", grid_valid_to},
    FieldSynonyms{"version", grid_version},     FieldSynonyms{"purpose", grid_purpose}};

constexpr std::array staff_id{"人员编号"sv, "编号"sv, "工号"sv};
constexpr std::array staff_name{"姓名"sv, "网格员姓名"sv, "人员姓名"sv};
constexpr std::array staff_phone{"联系电话"sv, "电话"sv, "手机"sv, "手机号"sv, "手机号码"sv, "工作电话"sv};
constexpr std::array staff_role{"职务"sv, "角色"sv, "岗位"sv, "人员类型"sv};
constexpr std::array staff_leave_from{"请假开始"sv, "请假开始日期"sv, "休假开始"sv};
constexpr std::array staff_leave_until{"请假结束"sv, "请假结束日期"sv, "销假日期"sv};
constexpr std::array staff{FieldSynonyms{"id", staff_id},
                           FieldSynonyms{"name", staff_name},
                           FieldSynonyms{"phone", staff_phone},
                           FieldSynonyms{"role", staff_role},
                           FieldSynonyms{"leave_from", staff_leave_from},
                           FieldSynonyms{"leave_until", staff_leave_until}};

constexpr std::array link_staff{"人员编号"sv, "网格员编号"sv, "工号"sv};
constexpr std::array link_grid{"网格编码"sv, "网格编号"sv, "网格代码"sv};
constexpr std::array link_duty{"AB岗"sv, "岗位类型"sv, "A/B岗"sv};
constexpr std::array link_duty_days{"值班日"sv, "值班时间"sv, "值班安排"sv};
constexpr std::array staff_grids{FieldSynonyms{"staff_id", link_staff}, FieldSynonyms{"grid_code", link_grid},
                                 FieldSynonyms{"duty", link_duty}, FieldSynonyms{"duty_days", link_duty_days}};

constexpr std::array household_id{"户编号"sv, "编号"sv, "户号"sv};
constexpr std::array household_compound{"小区"sv, "小区名称"sv, "小区名"sv, "所在小区"sv};
constexpr std::array household_building{"楼栋"sv, "楼号"sv, "楼栋号"sv, "栋"sv};
constexpr std::array household_unit{"单元"sv, "单元号"sv};
constexpr std::array household_room{"室"sv, "门牌号"sv, "房号"sv, "房间号"sv, "室号"sv};
constexpr std::array household_grid{"网格编码"sv, "所属网格"sv, "网格编号"sv};
constexpr std::array household_members{"人数"sv, "家庭人数"sv, "户内人数"sv, "人口数"sv, "家庭人口"sv};
constexpr std::array household_tags{"人员类别"sv, "标签"sv, "特殊人群"sv, "重点人群"sv, "人员类型"sv};
constexpr std::array household_head{"户主姓名"sv, "姓名"sv, "户主"sv};
constexpr std::array household_id_number{"身份证号"sv, "身份证号码"sv, "公民身份号码"sv, "证件号码"sv};
constexpr std::array household_phone{"联系电话"sv, "电话"sv, "手机"sv, "手机号"sv, "手机号码"sv, "联系方式"sv};
constexpr std::array household_moved_in{"入住日期"sv, "迁入日期"sv, "入住时间"sv, "迁入时间"sv};
constexpr std::array household_moved_out{"迁出日期"sv, "迁出时间"sv};
constexpr std::array lon{"经度"sv, "东经"sv};
constexpr std::array lat{"纬度"sv, "北纬"sv};
constexpr std::array households{
    FieldSynonyms{"id", household_id},         FieldSynonyms{"compound", household_compound},
    FieldSynonyms{"building", household_building}, FieldSynonyms{"unit", household_unit},
    FieldSynonyms{"room", household_room},     FieldSynonyms{"grid_code", household_grid},
    FieldSynonyms{"members", household_members}, FieldSynonyms{"tags", household_tags},
    FieldSynonyms{"head_name", household_head}, FieldSynonyms{"id_number", household_id_number},
    FieldSynonyms{"phone", household_phone},   FieldSynonyms{"moved_in", household_moved_in},
    FieldSynonyms{"moved_out", household_moved_out}, FieldSynonyms{"lon", lon},
    FieldSynonyms{"lat", lat}};

constexpr std::array facility_id{"设施编号"sv, "编号"sv};
constexpr std::array facility_kind{"设施类型"sv, "类型"sv, "类别"sv, "单位类型"sv};
constexpr std::array facility_name{"名称"sv, "设施名称"sv, "单位名称"sv};
constexpr std::array facility_grid{"网格编码"sv, "所属网格"sv, "网格编号"sv};
constexpr std::array facility_compound{"服务小区"sv, "所在小区"sv, "所属小区"sv, "小区"sv};
constexpr std::array facility_contact{"联系人"sv, "负责人"sv, "负责人姓名"sv};
constexpr std::array facility_phone{"联系电话"sv, "电话"sv, "联系方式"sv};
constexpr std::array facilities{
    FieldSynonyms{"id", facility_id},         FieldSynonyms{"kind", facility_kind},
    FieldSynonyms{"name", facility_name},     FieldSynonyms{"grid_code", facility_grid},
    FieldSynonyms{"compound", facility_compound}, FieldSynonyms{"contact_name", facility_contact},
    FieldSynonyms{"contact_phone", facility_phone}, FieldSynonyms{"lon", lon},
    FieldSynonyms{"lat", lat}};

constexpr std::array incident_id{"事件编号"sv, "案卷编号"sv, "编号"sv};
constexpr std::array incident_category{"事件类别"sv, "类别"sv, "案件类别"sv, "事件类型"sv};
constexpr std::array incident_source{"来源"sv, "事件来源"sv, "案件来源"sv};
constexpr std::array incident_triage{"分级"sv, "处置级别"sv, "紧急程度"sv};
constexpr std::array incident_state{"状态"sv, "案件状态"sv, "事件状态"sv};
constexpr std::array incident_description{"描述"sv, "事件描述"sv, "问题描述"sv};
constexpr std::array incident_grid{"网格编码"sv, "所属网格"sv, "网格编号"sv};
constexpr std::array incident_assignee{"处置人"sv, "承办人"sv, "责任人"sv};
constexpr std::array incident_reported{"上报时间"sv, "发现时间"sv};
constexpr std::array incident_dispatched{"派遣时间"sv};
constexpr std::array incident_deadline{"处置时限"sv, "截止时间"sv};
constexpr std::array incident_closed{"结案时间"sv};
constexpr std::array incidents{
    FieldSynonyms{"id", incident_id},
    FieldSynonyms{"category", incident_category},
    FieldSynonyms{"source", incident_source},
    FieldSynonyms{"triage", incident_triage},
    FieldSynonyms{"state", incident_state},
    FieldSynonyms{"description", incident_description},
    FieldSynonyms{"grid_code", incident_grid},
    FieldSynonyms{"assignee", incident_assignee},
    FieldSynonyms{"reported_at", incident_reported},
    FieldSynonyms{"dispatched_at", incident_dispatched},
    FieldSynonyms{"deadline", incident_deadline},
    FieldSynonyms{"closed_at", incident_closed},
    FieldSynonyms{"lon", lon},
    FieldSynonyms{"lat", lat}};

constexpr std::array event_id{"记录编号"sv, "编号"sv};
constexpr std::array event_incident{"事件编号"sv, "案卷编号"sv};
constexpr std::array event_at{"时间"sv, "操作时间"sv};
constexpr std::array event_actor{"操作人"sv, "经办人"sv};
constexpr std::array event_from{"原状态"sv};
constexpr std::array event_to{"新状态"sv, "状态"sv};
constexpr std::array event_note{"备注"sv, "意见"sv, "处理意见"sv};
constexpr std::array incident_events{FieldSynonyms{"id", event_id},         FieldSynonyms{"incident_id", event_incident},
                                     FieldSynonyms{"at", event_at},         FieldSynonyms{"actor", event_actor},
                                     FieldSynonyms{"from_state", event_from}, FieldSynonyms{"to_state", event_to},
                                     FieldSynonyms{"note", event_note}};

constexpr std::array visit_id{"走访编号"sv, "编号"sv};
constexpr std::array visit_staff{"网格员编号"sv, "走访人编号"sv, "人员编号"sv};
constexpr std::array visit_household{"户编号"sv, "走访户编号"sv};
constexpr std::array visit_at{"走访时间"sv, "时间"sv, "走访日期"sv};
constexpr std::array visit_kind{"走访类型"sv, "走访方式"sv};
constexpr std::array visit_note{"备注"sv, "走访记录"sv, "情况记录"sv, "民情日记"sv};
constexpr std::array visit_reason{"走访原因"sv};
constexpr std::array visit_incident{"关联事件编号"sv};
constexpr std::array visit_client_key{"离线记录编号"sv};
constexpr std::array visit_facility{"设施编号"sv, "场所编号"sv};
constexpr std::array visits{FieldSynonyms{"id", visit_id},       FieldSynonyms{"staff_id", visit_staff},
                            FieldSynonyms{"household_id", visit_household}, FieldSynonyms{"at", visit_at},
                            FieldSynonyms{"kind", visit_kind},   FieldSynonyms{"note", visit_note},
                            FieldSynonyms{"reason", visit_reason}, FieldSynonyms{"incident_id", visit_incident},
                            FieldSynonyms{"client_key", visit_client_key}, FieldSynonyms{"facility_id", visit_facility}};

/// `text` without `prefix`, or nullopt when it does not start with it.
std::optional<std::string_view> after(std::string_view text, std::string_view prefix) noexcept {
    if (!text.starts_with(prefix)) return std::nullopt;
    return text.substr(prefix.size());
}

/// The header as the table lists it (see field_for_header).
std::string_view normalise(std::string_view header) noexcept {
    header = model::trim_blanks(header);
    while (true) {
        auto rest = after(header, "*");
        if (!rest) rest = after(header, "＊");
        if (!rest) break;
        header = model::trim_blanks(*rest);
    }
    // A trailing remark: "联系电话（手机）", "经度(°)".
    for (const auto& [open, close] : {std::pair{"("sv, ")"sv}, std::pair{"（"sv, "）"sv}}) {
        const std::size_t start = header.rfind(open);
        if (start != std::string_view::npos && start > 0 && header.ends_with(close)) {
            return normalise(header.substr(0, start));
        }
    }
    return header;
}

bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept {
    return std::ranges::equal(a, b, [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

}  // namespace

std::span<const FieldSynonyms> column_synonyms(Layer layer) noexcept {
    switch (layer) {
        case Layer::grids: return grids;
        case Layer::staff: return staff;
        case Layer::staff_grids: return staff_grids;
        case Layer::households: return households;
        case Layer::facilities: return facilities;
        case Layer::incidents: return incidents;
        case Layer::incident_events: return incident_events;
        case Layer::visits: break;
    }
    return visits;
}

std::optional<std::string_view> field_for_header(Layer layer, std::string_view header) noexcept {
    const std::string_view name = normalise(header);
    if (name.empty()) return std::nullopt;
    const std::span<const FieldSynonyms> table = column_synonyms(layer);
    for (const FieldSynonyms& entry : table) {
        if (equal_ignoring_ascii_case(entry.field, name)) return entry.field;
    }
    for (const FieldSynonyms& entry : table) {
        if (std::ranges::find(entry.names, name) != entry.names.end()) return entry.field;
    }
    return std::nullopt;
}

std::string_view chinese_header(Layer layer, std::string_view field) noexcept {
    for (const FieldSynonyms& entry : column_synonyms(layer)) {
        if (entry.field == field) return entry.names.front();
    }
    return field;
}

}  // namespace wangge::store
