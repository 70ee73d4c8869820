#include "wangge/workflow/config.hpp"

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

constexpr std::int64_t max_deadline_hours = 24 * 366;
constexpr std::int64_t max_escalation_minutes = 24 * 60 * 30;

}  // namespace

CategoryTable CategoryTable::from_json(const nlohmann::json& document) {
    if (!document.is_object() || !document.contains("categories") || !document["categories"].is_array()) {
        throw InputError("category table: expected an object with a \"categories\" array");
    }
    CategoryTable table;
    std::set<std::string, std::less<>> names;
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
        if (entry.contains("name_en")) {
            if (!entry["name_en"].is_string()) throw InputError(where + ": \"name_en\" must be a string");
            category.name_en = entry["name_en"].get<std::string>();
        }
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
        policy.accept_within_s[static_cast<std::size_t>(*triage)] =
            positive_integer(value, max_escalation_minutes, "escalation_minutes." + key) * 60;
    }
    return policy;
}

WorkflowConfig WorkflowConfig::from_json(const nlohmann::json& document) {
    return {CategoryTable::from_json(document), EscalationPolicy::from_json(document)};
}

WorkflowConfig WorkflowConfig::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw InputError("cannot open workflow configuration " + path.string());
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw InputError("workflow configuration " + path.string() + " is not valid JSON: " + e.what());
    }
    try {
        return from_json(document);
    } catch (const InputError& e) {
        throw InputError(path.string() + ": " + e.what());
    }
}

}  // namespace wangge::workflow
