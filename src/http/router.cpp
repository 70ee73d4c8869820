#include "wangge/http/router.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>

#include "wangge/store/store.hpp"
#include "wangge/workflow/states.hpp"

#include "workflow_common.hpp"

namespace wangge::http {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return std::ranges::equal(a, b, [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::string_view find_header(const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view name) noexcept {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return {};
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// %XX decoding; `plus_is_space` for query strings. Nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

/// The items of a comma-separated header value, trimmed.
std::vector<std::string_view> header_list(std::string_view value) {
    std::vector<std::string_view> items;
    while (!value.empty()) {
        const std::size_t comma = value.find(',');
        items.push_back(trim(value.substr(0, comma)));
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
    return items;
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        const std::size_t slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

/// `expected` and `expected_zh`: what the parameter takes, in English and in Chinese.
ClientError invalid_parameter(std::string_view name, std::string_view text, std::string_view expected,
                              std::string_view expected_zh) {
    return ClientError(ErrorKind::bad_request, "invalid_parameter",
                       "parameter '" + std::string(name) + "' is '" + std::string(text) + "', expected " +
                           std::string(expected),
                       "参数 " + std::string(name) + " 的值 " + std::string(text) + " 无效，应为" +
                           std::string(expected_zh));
}

}  // namespace

ErrorKind kind_of(const workflow::WorkflowError& error) noexcept {
    if (error.code() == "forbidden") return ErrorKind::forbidden;
    if (error.code() == "illegal_transition" || error.code() == "time_order") return ErrorKind::conflict;
    return ErrorKind::bad_request;
}

std::string_view to_string(Method method) noexcept {
    switch (method) {
        case Method::get: return "GET";
        case Method::head: return "HEAD";
        case Method::post: return "POST";
        case Method::put: return "PUT";
        case Method::patch: return "PATCH";
        case Method::delete_: return "DELETE";
        case Method::options: return "OPTIONS";
        case Method::other: break;
    }
    return "OTHER";
}

Status status_of(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::bad_request: return Status::bad_request;
        case ErrorKind::unauthorized: return Status::unauthorized;
        case ErrorKind::forbidden: return Status::forbidden;
        case ErrorKind::not_found: return Status::not_found;
        case ErrorKind::method_not_allowed: return Status::method_not_allowed;
        case ErrorKind::conflict: return Status::conflict;
        case ErrorKind::too_large: return Status::payload_too_large;
        case ErrorKind::unsupported_media: return Status::unsupported_media_type;
        case ErrorKind::unprocessable: return Status::unprocessable_entity;
        case ErrorKind::too_many: return Status::too_many_requests;
        case ErrorKind::unavailable: return Status::service_unavailable;
    }
    return Status::bad_request;
}

// ---------------------------------------------------------------- Query

Query Query::parse(std::string_view text) {
    Query query;
    while (!text.empty()) {
        const std::size_t amp = text.find('&');
        const std::string_view pair = text.substr(0, amp);
        text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
        if (pair.empty()) continue;
        const std::size_t eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq), true);
        auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
        if (!name || !value) {
            throw ClientError(ErrorKind::bad_request, "bad_query",
                              "malformed %-escape in query parameter '" + std::string(pair.substr(0, eq)) + "'",
                              "查询参数 " + std::string(pair.substr(0, eq)) + " 的编码（%转义）有误");
        }
        if (query.has(*name)) {
            throw ClientError(ErrorKind::bad_request, "duplicate_parameter", "parameter '" + *name + "' is given twice",
                              "参数 " + *name + " 重复出现");
        }
        query.items_.emplace_back(std::move(*name), std::move(*value));
    }
    return query;
}

std::optional<std::string_view> Query::get(std::string_view name) const {
    for (const auto& [key, value] : items_) {
        if (key == name) return std::string_view(value);
    }
    return std::nullopt;
}

void Query::allow_only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : items_) {
        if (std::ranges::find(allowed, std::string_view(key)) == allowed.end()) {
            std::string names;
            for (const std::string_view name : allowed) names += (names.empty() ? "" : ", ") + std::string(name);
            throw ClientError(ErrorKind::bad_request, "unknown_parameter",
                            "unknown query parameter '" + key + "' (allowed: " + names + ")",
                            "无法识别的查询参数 " + key + "（可用：" + (names.empty() ? std::string("无") : names) + "）");
        }
    }
}

std::string Query::encode(std::initializer_list<std::pair<std::string_view, std::string>> replace) const {
    std::string out;
    const auto append = [&out](std::string_view key, std::string_view value) {
        if (value.empty()) return;
        out += out.empty() ? "" : "&";
        out += percent_encode(key) + "=" + percent_encode(value);
    };
    for (const auto& [key, value] : items_) {
        const auto replaced = std::ranges::find(replace, std::string_view(key),
                                                &std::pair<std::string_view, std::string>::first);
        if (replaced == replace.end()) append(key, value);
    }
    for (const auto& [key, value] : replace) append(key, value);
    return out;
}

double parse_double(std::string_view text, std::string_view name, double min, double max) {
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) ||
        value < min || value > max) {
        const std::string from = nlohmann::json(min).dump();
        const std::string to = nlohmann::json(max).dump();
        throw invalid_parameter(name, text, "a number from " + from + " to " + to, " " + from + " 到 " + to + " 之间的数");
    }
    return value;
}

std::int64_t parse_int(std::string_view text, std::string_view name, std::int64_t min, std::int64_t max) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        const std::string from = std::to_string(min);
        const std::string to = std::to_string(max);
        throw invalid_parameter(name, text, "an integer from " + from + " to " + to, " " + from + " 到 " + to + " 之间的整数");
    }
    return value;
}

bool parse_bool(std::string_view text, std::string_view name) {
    if (text == "true") return true;
    if (text == "false") return false;
    throw invalid_parameter(name, text, "true or false", " true 或 false");
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 15]);
        }
    }
    return out;
}

// ---------------------------------------------------------------- Request

Request::Request(Method method, std::string target, std::vector<std::pair<std::string, std::string>> headers,
                 std::string body)
    : method_(method), target_(std::move(target)), headers_(std::move(headers)), body_(std::move(body)) {}

std::string_view Request::path() const noexcept {
    const std::string_view target = target_;
    return target.substr(0, target.find('?'));
}

const Query& Request::query() const {
    if (!query_) {
        const std::size_t mark = target_.find('?');
        query_ = Query::parse(mark == std::string::npos ? std::string_view{} : std::string_view(target_).substr(mark + 1));
    }
    return *query_;
}

std::string_view Request::header(std::string_view name) const noexcept { return find_header(headers_, name); }

const std::string& Request::param(std::string_view name) const {
    for (const auto& [key, value] : params_) {
        if (key == name) return value;
    }
    throw std::logic_error("route has no parameter '" + std::string(name) + "'");
}

bool accepts_encoding(const Request& request, std::string_view coding) {
    for (const std::string_view item : header_list(request.header("Accept-Encoding"))) {
        const std::size_t semicolon = item.find(';');
        if (!iequals(trim(item.substr(0, semicolon)), coding)) continue;
        // "gzip;q=0" means refused.
        const std::string_view params = semicolon == std::string_view::npos ? "" : item.substr(semicolon);
        const std::size_t q = params.find("q=");
        return q == std::string_view::npos || params.substr(q + 2).find_first_not_of("0.") != std::string_view::npos;
    }
    return false;
}

bool etag_matches(const Request& request, std::string_view etag) {
    for (std::string_view item : header_list(request.header("If-None-Match"))) {
        if (item.starts_with("W/")) item.remove_prefix(2);
        if (item == "*" || item == etag) return true;
    }
    return false;
}

// ---------------------------------------------------------------- Response

Response::Response(Status status, std::string body, std::string_view content_type)
    : status_(status), body_(std::move(body)) {
    if (!content_type.empty()) set_header("Content-Type", content_type);
}

Response Response::json(const nlohmann::json& body, Status status, std::string_view content_type) {
    // Replace invalid UTF-8 instead of throwing: stored text is outside input too.
    return Response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), content_type);
}

Response Response::bytes(std::string body, std::string_view content_type, Status status) {
    return Response(status, std::move(body), content_type);
}

Response Response::file(std::filesystem::path path, std::string_view content_type) {
    Response response(Status::ok, {}, content_type);
    response.file_ = std::move(path);
    return response;
}

Response Response::redirect(std::string_view location, Status status) {
    Response response(status, {}, {});
    response.set_header("Location", location);
    return response;
}

Response Response::not_modified(std::string_view etag) {
    Response response(Status::not_modified, {}, {});
    response.set_header("ETag", etag);
    return response;
}

Response Response::error(Status status, std::string_view code, std::string_view message,
                         std::string_view message_zh) {
    return json({{"error", {{"code", code}, {"message", message}, {"message_zh", message_zh}}}}, status);
}

Response Response::stream(std::string content_type, StreamStart start, StreamOptions options) {
    if (!start) throw std::invalid_argument("Response::stream needs a start function");
    if (options.heartbeat_interval.count() <= 0 || options.max_age.count() <= 0) {
        throw std::invalid_argument("Response::stream: heartbeat_interval and max_age must be positive");
    }
    Response response(Status::ok, {}, content_type);
    response.stream_start_ = std::move(start);
    response.stream_options_ = std::move(options);
    return response;
}

void Response::set_header(std::string_view name, std::string_view value) {
    for (auto& [key, existing] : headers_) {
        if (iequals(key, name)) {
            existing = value;
            return;
        }
    }
    headers_.emplace_back(name, value);
}

std::string_view Response::header(std::string_view name) const noexcept { return find_header(headers_, name); }

// ---------------------------------------------------------------- Router

struct Router::Segment {
    enum class Kind { literal, param, rest } kind = Kind::literal;
    std::string text;    // the literal, or the parameter name
    std::string suffix;  // for `{name}.ext`
};

struct Router::Route {
    Method method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    Execution execution;
    Bodies bodies;
    Shortcut shortcut;
};

void Router::add(Method method, std::string_view pattern, Handler handler, Execution execution, Bodies bodies) {
    add_route(method, pattern, std::move(handler), execution, bodies, {});
}

void Router::get(std::string_view pattern, Shortcut shortcut, Handler handler, Execution execution) {
    add_route(Method::get, pattern, std::move(handler), execution, Bodies::json, std::move(shortcut));
}

void Router::add_route(Method method, std::string_view pattern, Handler handler, Execution execution, Bodies bodies,
                       Shortcut shortcut) {
    if (pattern.empty() || pattern.front() != '/') throw std::logic_error("route pattern must start with '/'");
    auto route = std::make_shared<Route>(
        Route{method, std::string(pattern), {}, std::move(handler), execution, bodies, std::move(shortcut)});
    const std::vector<std::string_view> parts = split_path(pattern);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        Segment segment;
        if (part.starts_with('{')) {
            const std::size_t close = part.find('}');
            if (close == std::string_view::npos) throw std::logic_error("unclosed '{' in route " + route->pattern);
            std::string_view name = part.substr(1, close - 1);
            segment.suffix = part.substr(close + 1);
            segment.kind = Segment::Kind::param;
            if (name.ends_with('*')) {
                if (i + 1 != parts.size() || !segment.suffix.empty()) {
                    throw std::logic_error("{name*} must be the whole last segment in route " + route->pattern);
                }
                name.remove_suffix(1);
                segment.kind = Segment::Kind::rest;
            }
            segment.text = name;
        } else {
            segment.text = part;
        }
        route->segments.push_back(std::move(segment));
    }
    routes_.push_back(std::move(route));
}

std::vector<std::pair<Method, std::string>> Router::routes() const {
    std::vector<std::pair<Method, std::string>> list;
    list.reserve(routes_.size());
    for (const auto& route : routes_) list.emplace_back(route->method, route->pattern);
    return list;
}

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

/// Decoded path segments; ClientError 400 for dot segments, encoded slashes and bad escapes.
std::vector<std::string> decode_path(std::string_view path) {
    std::vector<std::string> decoded;
    for (const std::string_view raw : split_path(path)) {
        auto segment = percent_decode(raw, false);
        if (!segment) {
            throw ClientError(ErrorKind::bad_request, "bad_path", "malformed %-escape in the path", "网址路径的编码（%转义）有误");
        }
        if (*segment == "." || *segment == ".." || segment->find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
            throw ClientError(ErrorKind::bad_request, "bad_path",
                              "the path may not contain '.', '..', '\\' or encoded '/' segments", "网址路径中含有不允许的部分");
        }
        decoded.push_back(std::move(*segment));
    }
    return decoded;
}

/// The media type of a Content-Type value, lower case, without parameters.
std::string media_type(std::string_view content_type) {
    std::string type(trim(content_type.substr(0, content_type.find(';'))));
    std::ranges::transform(type, type.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return type;
}

/// ClientError 415 for a write whose body is not of a type the route takes (Bodies).
void check_body_type(const Request& request, Bodies bodies) {
    const std::string_view content_type = request.header("Content-Type");
    if (!is_write(request.method()) || (request.body().empty() && content_type.empty())) return;
    const std::string type = media_type(content_type);
    if (type == "application/json" || (type.starts_with("application/") && type.ends_with("+json"))) return;
    if (bodies == Bodies::file && !type.empty() && type != "text/plain" && type != "application/x-www-form-urlencoded" &&
        type != "multipart/form-data") {
        return;
    }
    if (bodies == Bodies::json_or_form &&
        (type == "application/x-www-form-urlencoded" || type == "multipart/form-data")) {
        return;
    }
    if (bodies == Bodies::file) {
        throw ClientError(ErrorKind::unsupported_media, "unsupported_media_type",
                          "send the file as application/octet-stream (or its own type), not " +
                              (type.empty() ? std::string("without a Content-Type") : type),
                          "请以文件类型（Content-Type: application/octet-stream）上传");
    }
    throw ClientError(ErrorKind::unsupported_media, "unsupported_media_type",
                      "send the body as application/json" +
                          std::string(bodies == Bodies::json_or_form ? " or application/x-www-form-urlencoded" : "") +
                          (type.empty() ? std::string(", with its Content-Type") : ", not " + type),
                      "请求正文须为 JSON（Content-Type: application/json）");
}

}  // namespace

bool is_write(Method method) noexcept {
    return method != Method::get && method != Method::head && method != Method::options;
}

Dispatch Router::dispatch(Request& request) const {
    Dispatch dispatch;
    std::vector<std::string> segments;
    try {
        segments = decode_path(request.path());
    } catch (const ClientError& e) {
        dispatch.error_ = e;
        return dispatch;
    }
    const Method wanted = request.method() == Method::head ? Method::get : request.method();
    bool path_known = false;
    for (const auto& route : routes_) {
        Params params;
        std::size_t i = 0;
        bool matched = true;
        for (const Segment& segment : route->segments) {
            if (segment.kind == Segment::Kind::rest) {
                std::string rest;
                for (std::size_t j = i; j < segments.size(); ++j) rest += (j == i ? "" : "/") + segments[j];
                params.emplace_back(segment.text, std::move(rest));
                i = segments.size();
                break;
            }
            if (i >= segments.size()) {
                matched = false;
                break;
            }
            const std::string& value = segments[i++];
            if (segment.kind == Segment::Kind::literal) {
                matched = value == segment.text;
            } else {
                matched = value.size() > segment.suffix.size() && value.ends_with(segment.suffix);
                if (matched) params.emplace_back(segment.text, value.substr(0, value.size() - segment.suffix.size()));
            }
            if (!matched) break;
        }
        if (!matched || i != segments.size()) continue;
        path_known = true;
        if (route->method != wanted) continue;
        request.set_params(std::move(params));
        dispatch.handler_ = &route->handler;
        if (route->shortcut) dispatch.shortcut_ = &route->shortcut;
        dispatch.execution_ = route->execution;
        dispatch.bodies_ = route->bodies;
        dispatch.refused_write_ = refused_write_.get();
        return dispatch;
    }
    dispatch.error_ = path_known ? ClientError(ErrorKind::method_not_allowed, "method_not_allowed",
                                             std::string(to_string(request.method())) + " is not allowed on " +
                                                 std::string(request.path()),
                                             "此地址不支持该操作（" + std::string(to_string(request.method())) + "）")
                                 : ClientError(ErrorKind::not_found, "not_found",
                                             "no resource at " + std::string(request.path()),
                                             "找不到所请求的地址 " + std::string(request.path()));
    return dispatch;
}

Response Dispatch::run(const Request& request) const {
    Response response = answer(request);
    if (refused_write_ != nullptr && response.status() == Status::forbidden && is_write(request.method())) {
        (*refused_write_)(request, response);
    }
    return response;
}

namespace {

/// The one place where exceptions become statuses.
Response error_response(const Request& request, std::exception_ptr error) {
    try {
        std::rethrow_exception(std::move(error));
    } catch (const ClientError& e) {
        return Response::error(status_of(e.kind()), e.code(), e.what(), e.message_zh());
    } catch (const workflow::WorkflowError& e) {
        return Response::error(status_of(kind_of(e)), e.code(), e.what(), e.message_zh());
    } catch (const InputError& e) {
        // Parsers' own errors (GeoJSON, times) name the problem in English only;
        // routes whose input the map sends turn them into ClientErrors first.
        return Response::error(Status::bad_request, "bad_request", e.what(), "请求内容有误");
    } catch (const store::StoreUnavailableError& e) {
        // The database is down or restarting: the store reconnects by itself,
        // and the client may retry (reads of the snapshot are still answered).
        std::fprintf(stderr, "wangge: store unavailable on %s %s: %s\n", std::string(to_string(request.method())).c_str(),
                     request.target().c_str(), e.what());
        Response response = Response::error(Status::service_unavailable, "store_unavailable",
                                            "the database cannot be reached", "数据库暂时无法连接，请稍后重试");
        response.set_header("Retry-After", "1");
        return response;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wangge: internal error on %s %s: %s\n", std::string(to_string(request.method())).c_str(),
                     request.target().c_str(), e.what());
        return Response::error(Status::internal_server_error, "internal", "internal server error", "服务器内部错误，请稍后再试");
    } catch (...) {
        std::fprintf(stderr, "wangge: unknown internal error on %s\n", request.target().c_str());
        return Response::error(Status::internal_server_error, "internal", "internal server error", "服务器内部错误，请稍后再试");
    }
}

}  // namespace

std::optional<Response> Dispatch::run_shortcut(const Request& request) const {
    if (shortcut_ == nullptr || error_) return std::nullopt;
    try {
        check_body_type(request, bodies_);
        return (*shortcut_)(request);
    } catch (...) {
        return error_response(request, std::current_exception());
    }
}

Response Dispatch::answer(const Request& request) const {
    try {
        if (error_) throw *error_;
        check_body_type(request, bodies_);
        return (*handler_)(request);
    } catch (...) {
        return error_response(request, std::current_exception());
    }
}

Response Router::handle(Request& request) const {
    const Dispatch route = dispatch(request);
    if (auto quick = route.run_shortcut(request)) return std::move(*quick);
    return route.run(request);
}

}  // namespace wangge::http
