#include "wangge/http/body.hpp"

#include <algorithm>

namespace wangge::http {

namespace {

std::string in_quotes(std::string_view name) { return "\"" + std::string(name) + "\""; }

}  // namespace

nlohmann::json parse_json_body(const Request& request) {
    try {
        return nlohmann::json::parse(request.body());
    } catch (const nlohmann::json::exception& e) {
        throw ClientError(ErrorKind::bad_request, "invalid_json",
                          std::string("the request body is not JSON: ") + e.what(), "请求内容不是有效的 JSON");
    }
}

JsonBody::JsonBody(const Request& request, std::initializer_list<std::string_view> allowed)
    : body_(request.body().empty() ? nlohmann::json::object() : parse_json_body(request)) {
    if (!body_.is_object()) {
        throw ClientError(ErrorKind::bad_request, "invalid_body", "the request body must be a JSON object",
                          "请求内容应为 JSON 对象");
    }
    if (allowed.size() == 0) return;
    for (const auto& [key, value] : body_.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            throw ClientError(ErrorKind::bad_request, "bad_request",
                              "unknown field " + in_quotes(key) + " in the request body",
                              "请求中有无法识别的字段 " + in_quotes(key));
        }
    }
}

const nlohmann::json* JsonBody::find(std::string_view name) const {
    const auto found = body_.find(name);
    return found == body_.end() || found->is_null() ? nullptr : &*found;
}

std::optional<std::string> JsonBody::string(std::string_view name) const {
    const nlohmann::json* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) throw invalid(name, "field " + in_quotes(name) + " must be a string", "文本");
    return value->get<std::string>();
}

std::string JsonBody::required_string(std::string_view name, bool may_be_empty) const {
    std::optional<std::string> text = string(name);
    if (!text || (!may_be_empty && text->empty())) throw missing(name);
    return std::move(*text);
}

std::optional<std::int64_t> JsonBody::integer(std::string_view name) const {
    const nlohmann::json* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer()) throw invalid(name, "field " + in_quotes(name) + " must be an integer", "整数");
    return value->get<std::int64_t>();
}

std::int64_t JsonBody::required_integer(std::string_view name) const {
    const std::optional<std::int64_t> value = integer(name);
    if (!value) throw missing(name);
    return *value;
}

std::optional<double> JsonBody::number(std::string_view name, double min, double max) const {
    const nlohmann::json* value = find(name);
    if (value == nullptr) return std::nullopt;
    const std::string range = std::to_string(min) + " and " + std::to_string(max);
    const std::string range_zh = std::to_string(min) + " 至 " + std::to_string(max) + " 之间的数值";
    if (!value->is_number()) throw invalid(name, "field " + in_quotes(name) + " must be a number between " + range, range_zh);
    const double got = value->get<double>();
    if (!(got >= min && got <= max)) {
        throw invalid(name, "field " + in_quotes(name) + " must be between " + range, range_zh);
    }
    return got;
}

double JsonBody::required_number(std::string_view name, double min, double max) const {
    const std::optional<double> value = number(name, min, max);
    if (!value) throw missing(name);
    return *value;
}

std::optional<bool> JsonBody::boolean(std::string_view name) const {
    const nlohmann::json* value = find(name);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) throw invalid(name, "field " + in_quotes(name) + " must be true or false", "true 或 false");
    return value->get<bool>();
}

std::optional<model::Timestamp> JsonBody::date(std::string_view name) const {
    const auto text = string(name);
    if (!text) return std::nullopt;
    const auto day = text->size() == 10 ? model::parse_iso8601(*text) : std::nullopt;
    if (!day) throw invalid(name, "field " + in_quotes(name) + " must be a date YYYY-MM-DD", "日期（YYYY-MM-DD）");
    return day;
}

ClientError JsonBody::missing(std::string_view name) {
    return ClientError(ErrorKind::bad_request, "bad_request", "field " + in_quotes(name) + " is required",
                       "缺少必填字段 " + in_quotes(name));
}

ClientError JsonBody::invalid(std::string_view name, const std::string& message, std::string_view expected_zh) {
    return ClientError(ErrorKind::bad_request, "bad_request", message,
                       "字段 " + in_quotes(name) + " 应为" + std::string(expected_zh));
}

}  // namespace wangge::http
