#include "wangge/model/duty_days.hpp"

#include <array>
#include <vector>

#include "wangge/model/snapshot.hpp"

namespace wangge::model {

namespace {

constexpr std::array<std::string_view, 7> numerals{"一", "二", "三", "四", "五", "六", "日"};

/// Where `text` starts with the name of a day: its index (0 Monday) and length; nullopt otherwise.
std::optional<std::pair<int, std::size_t>> day_at(std::string_view text) {
    std::size_t prefix = 0;
    for (const std::string_view word : {"星期", "礼拜", "周"}) {
        if (text.starts_with(word)) {
            prefix = word.size();
            break;
        }
    }
    const std::string_view rest = text.substr(prefix);
    for (int day = 0; day < 7; ++day) {
        if (rest.starts_with(numerals[static_cast<std::size_t>(day)])) return std::pair{day, prefix + numerals[0].size()};
    }
    for (const std::string_view sunday : {"天", "七"}) {
        // A bare 天 is no day (每天 is read as a whole word); 周天/星期天 are Sunday.
        if (rest.starts_with(sunday) && (prefix > 0 || sunday == "七")) return std::pair{6, prefix + sunday.size()};
    }
    return std::nullopt;
}

std::optional<std::size_t> word_at(std::string_view text, std::initializer_list<std::string_view> words) {
    for (const std::string_view word : words) {
        if (text.starts_with(word)) return word.size();
    }
    return std::nullopt;
}

/// Where `text` starts with a word for several days (每天, 工作日, 周末): the days and the word's length.
std::optional<std::pair<std::uint8_t, std::size_t>> named_set_at(std::string_view text) {
    constexpr std::array<std::pair<std::string_view, std::uint8_t>, 5> words{
        {{"每天", all_week}, {"每日", all_week}, {"全周", all_week}, {"工作日", 0x1f}, {"周末", 0x60}}};
    for (const auto& [word, days] : words) {
        if (text.starts_with(word)) return std::pair{days, word.size()};
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::uint8_t> parse_duty_days(std::string_view text) {
    std::uint8_t days = 0;
    while (!text.empty()) {
        if (const auto length = word_at(text, {"、", ",", "，", ";", "；", "/", " ", "\u3000"})) {
            text.remove_prefix(*length);
            continue;
        }
        if (const auto set = named_set_at(text)) {
            days |= set->first;
            text.remove_prefix(set->second);
            continue;
        }
        const auto day = day_at(text);
        if (!day) return std::nullopt;
        text.remove_prefix(day->second);
        int last = day->first;
        if (const auto mark = word_at(text, {"至", "到", "-", "~", "－", "～", "—"})) {
            const auto end = day_at(text.substr(*mark));
            if (!end || end->first < day->first) return std::nullopt;
            text.remove_prefix(*mark + end->second);
            last = end->first;
        }
        for (int each = day->first; each <= last; ++each) days |= static_cast<std::uint8_t>(1U << each);
    }
    return days;
}

std::string format_duty_days(std::uint8_t days) {
    days &= all_week;
    if (days == all_week) return "每天";
    std::vector<std::string> parts;
    for (int day = 0; day < 7;) {
        if (!(days & (1U << day))) {
            ++day;
            continue;
        }
        int last = day;
        while (last + 1 < 7 && (days & (1U << (last + 1)))) ++last;
        const auto name = [](int index) { return "周" + std::string(numerals[static_cast<std::size_t>(index)]); };
        if (last - day >= 2) {
            parts.push_back(name(day) + "至" + name(last));
        } else {
            for (int each = day; each <= last; ++each) parts.push_back(name(each));
        }
        day = last + 1;
    }
    std::string out;
    for (const std::string& part : parts) out += (out.empty() ? "" : "、") + part;
    return out;
}

std::uint8_t duty_days_in(const Snapshot& snapshot, std::int64_t staff_id, std::string_view grid_code) {
    for (const StaffGrid* link : snapshot.links_of(staff_id)) {
        if (link->grid_code == grid_code) return link->duty_days;
    }
    return 0;
}

}  // namespace wangge::model
