#include "wangge/workflow/config.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace wangge::workflow {

namespace {

constexpr std::array<Triage, 3> all_triages{Triage::general, Triage::coordination, Triage::urgent};

/// A positive whole number no larger than `max`, or InputError naming `what`.
std::int64_t positive_integer(const nlohmann::json& value, std::int64_t max, const std::string& what) {
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0 || value.get<std::int64_t>() > max) {
        throw InputError(what + " must be a whole number between 1 and " + std::to_string(max) + ", got " +
                         value.dump());
    }
    return value.get<std::int64_t>();
}

/// An optional string member, or InputError naming it.
std::string optional_string(const nlohmann::json& entry, const char* key, const std::string& where) {
    if (!entry.contains(key)) return {};
    if (!entry[key].is_string()) throw InputError(where + ": \"" + key + "\" must be a string");
    return entry[key].get<std::string>();
}

bool is_service_code(std::string_view code) noexcept {
    constexpr std::size_t max_code_length = 64;
    return !code.empty() && code.size() <= max_code_length && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::vector<std::string> keywords_of(const nlohmann::json& entry, const std::string& where) {
    std::vector<std::string> keywords;
    if (!entry.contains("keywords")) return keywords;
    const nlohmann::json& list = entry["keywords"];
    if (!list.is_array()) throw InputError(where + ": \"keywords\" must be an array of strings");
    for (const nlohmann::json& keyword : list) {
        // Open311 lists keywords comma-separated: a comma inside one would split it.
        if (!keyword.is_string() || keyword.get<std::string>().empty() ||
            keyword.get<std::string>().find(',') != std::string::npos) {
            throw InputError(where + ": every keyword must be a non-empty string without commas");
        }
        keywords.push_back(keyword.get<std::string>());
    }
    return keywords;
}

constexpr std::int64_t max_deadline_hours = 24 * 366;
constexpr std::int64_t max_escalation_minutes = 24 * 60 * 30;

}  // namespace

CategoryTable CategoryTable::from_json(const nlohmann::json& document) {
    if (!document.is_object() || !document.contains("categories") || !document["categories"].is_array()) {
        throw InputError("category table: expected an object with a \"categories\" array");
    }
    CategoryTable table;
    std::set<std::string, std::less<>> names;
    std::set<std::string, std::less<>> codes;
    for (const nlohmann::json& entry : document["categories"]) {
        const std::string where = "category table entry " + std::to_string(table.categories_.size() + 1);
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
            entry["name"].get<std::string>().empty()) {
            throw InputError(where + ": \"name\" must be a non-empty string");
        }
        Category category;
        category.name = entry["name"].get<std::string>();
        if (!names.insert(category.name).second) {
            throw InputError(where + ": category \"" + category.name + "\" is listed twice");
        }
        category.name_en = optional_string(entry, "name_en", where);
        category.code = optional_string(entry, "code", where);
        if (entry.contains("code") && !is_service_code(category.code)) {
            throw InputError(where + " (" + category.name + "): \"code\" must be 1–64 of a-z, 0-9, '_' and '-'");
        }
        if (!category.code.empty() && !codes.insert(category.code).second) {
            throw InputError(where + " (" + category.name + "): code \"" + category.code + "\" is used twice");
        }
        category.group = optional_string(entry, "group", where);
        category.description = optional_string(entry, "description", where);
        category.keywords = keywords_of(entry, where);
        if (!entry.contains("deadline_hours") || !entry["deadline_hours"].is_object()) {
            throw InputError(where + " (" + category.name + "): \"deadline_hours\" must be an object");
        }
        const nlohmann::json& hours = entry["deadline_hours"];
        for (const Triage triage : all_triages) {
            const std::string key(to_string(triage));
            if (!hours.contains(key)) {
                throw InputError(where + " (" + category.name + "): \"deadline_hours\" lacks \"" + key + "\"");
            }
            category.deadline_hours[static_cast<std::size_t>(triage)] = positive_integer(
                hours[key], max_deadline_hours, where + " (" + category.name + ") deadline_hours." + key);
        }
        table.categories_.push_back(std::move(category));
    }
    if (table.categories_.empty()) throw InputError("category table: \"categories\" is empty");
    return table;
}

const Category* CategoryTable::find(std::string_view name) const noexcept {
    for (const Category& category : categories_) {
        if (category.name == name) return &category;
    }
    return nullptr;
}

const Category* CategoryTable::find_code(std::string_view code) const noexcept {
    if (code.empty()) return nullptr;
    for (const Category& category : categories_) {
        if (category.code == code) return &category;
    }
    return nullptr;
}

const Category& CategoryTable::at(std::string_view name) const {
    if (const Category* category = find(name)) return *category;
    throw WorkflowError("unknown_category", "unknown incident category \"" + std::string(name) + "\"",
                        "未知的事件类别“" + std::string(name) + "”");
}

EscalationPolicy EscalationPolicy::from_json(const nlohmann::json& document) {
    EscalationPolicy policy;
    if (!document.is_object() || !document.contains("escalation_minutes")) return policy;
    const nlohmann::json& minutes = document["escalation_minutes"];
    if (!minutes.is_object()) throw InputError("\"escalation_minutes\" must be an object keyed by triage");
    for (const auto& [key, value] : minutes.items()) {
        const auto triage = parse_triage(key);
        if (!triage) throw InputError("\"escalation_minutes\": unknown triage \"" + key + "\"");
        // Fractions of a minute too (0.5 = 30 s): a drill or a test need not wait a whole minute.
        if (value.is_number_float()) {
            const double seconds = value.get<double>() * 60;
            if (!(seconds >= 1 && seconds <= static_cast<double>(max_escalation_minutes) * 60)) {
                throw InputError("escalation_minutes." + key + " must be between 1 second (1/60) and " +
                                 std::to_string(max_escalation_minutes) + " minutes, got " + value.dump());
            }
            policy.accept_within_s[static_cast<std::size_t>(*triage)] = static_cast<std::int64_t>(seconds + 0.5);
            continue;
        }
        policy.accept_within_s[static_cast<std::size_t>(*triage)] =
            positive_integer(value, max_escalation_minutes, "escalation_minutes." + key) * 60;
    }
    return policy;
}

WorkflowConfig WorkflowConfig::from_json(const nlohmann::json& document) {
    const bool has_medals = document.is_object() && document.contains("medal_shares");
    return {CategoryTable::from_json(document), EscalationPolicy::from_json(document),
            has_medals ? MedalShares::from_json(document["medal_shares"]) : MedalShares{}};
}

WorkflowConfig WorkflowConfig::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw InputError("cannot open workflow configuration " + path.string());
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InputError("workflow configuration " + path.string() + " is not valid JSON: " + e.what());
    }
    try {
        return from_json(document);
    } catch (const InputError& e) {
        throw InputError(path.string() + ": " + e.what());
    }
}

}  // namespace wangge::workflow
