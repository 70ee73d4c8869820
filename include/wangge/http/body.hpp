#pragma once
// The one reader of JSON request bodies, for every route that takes one: the
// body is parsed once, its keys are checked against the route's fields, and
// each field is read as the type the route needs. A mistake is a
// wangge::ClientError (bad_request) whose message names the field, in
// English and in Chinese (message_zh, which the map shows).
//
//     const JsonBody body(request, {"category", "lon", "lat", "note"});
//     report.category = body.required_string("category");
//     report.location = {body.required_number("lon", -180, 180), body.required_number("lat", -90, 90)};
//     report.note = body.string("note").value_or("");
//
// Codes: "invalid_json" (not JSON), "invalid_body" (not a JSON object),
// "bad_request" (a field unknown, missing or of the wrong type or value).
//
// Thread safety: a value owned by one handler call.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wangge/error.hpp"
#include "wangge/http/router.hpp"
#include "wangge/model/time.hpp"

namespace wangge::http {

/// The request's body parsed as JSON (any value); ClientError "invalid_json" otherwise.
[[nodiscard]] nlohmann::json parse_json_body(const Request& request);

class JsonBody {
public:
    /// Parses the request's body as a JSON object (an empty body is {}) whose
    /// keys are all in `allowed`; an empty `allowed` accepts any key.
    explicit JsonBody(const Request& request, std::initializer_list<std::string_view> allowed = {});

    [[nodiscard]] const nlohmann::json& json() const noexcept { return body_; }
    /// The document itself, moved out: copying a deeply nested one would recurse past the stack.
    [[nodiscard]] nlohmann::json take() && noexcept { return std::move(body_); }
    /// The member; null when absent or JSON null (both mean "not given").
    [[nodiscard]] const nlohmann::json* find(std::string_view name) const;

    [[nodiscard]] std::optional<std::string> string(std::string_view name) const;
    /// A string that is given and, unless `may_be_empty`, not empty.
    [[nodiscard]] std::string required_string(std::string_view name, bool may_be_empty = false) const;
    [[nodiscard]] std::optional<std::int64_t> integer(std::string_view name) const;
    [[nodiscard]] std::int64_t required_integer(std::string_view name) const;
    /// A number in [min, max].
    [[nodiscard]] std::optional<double> number(std::string_view name, double min, double max) const;
    [[nodiscard]] double required_number(std::string_view name, double min, double max) const;
    [[nodiscard]] std::optional<bool> boolean(std::string_view name) const;
    /// A day "YYYY-MM-DD", as its 00:00 in +08:00.
    [[nodiscard]] std::optional<model::Timestamp> date(std::string_view name) const;

    /// The error for a field that is missing.
    [[nodiscard]] static ClientError missing(std::string_view name);
    /// The error for a field whose value is refused; `expected_zh` completes
    /// "字段 "name" 应为…" (e.g. "一般、协调或紧急").
    [[nodiscard]] static ClientError invalid(std::string_view name, const std::string& message,
                                             std::string_view expected_zh);

private:
    nlohmann::json body_;
};

}  // namespace wangge::http
