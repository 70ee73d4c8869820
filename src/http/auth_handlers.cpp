#include "wangge/http/auth_handlers.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

#include "wangge/http/body.hpp"
#include "wangge/auth/audit.hpp"
#include "wangge/model/time.hpp"

namespace wangge::http {

namespace {

using nlohmann::json;

model::Timestamp system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string_view trim(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

/// The value of cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string_view cookie_value(std::string_view header, std::string_view name) noexcept {
    while (!header.empty()) {
        const std::size_t semicolon = header.find(';');
        const std::string_view pair = trim(header.substr(0, semicolon));
        header = semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
        const std::size_t equals = pair.find('=');
        if (equals != std::string_view::npos && pair.substr(0, equals) == name) return pair.substr(equals + 1);
    }
    return {};
}

json user_json(const auth::User& user) {
    return {{"id", user.id},
            {"name", user.name},
            {"role", auth::to_string(user.role)},
            {"grids", user.grid_codes},
            {"staff_id", user.staff_id ? json(*user.staff_id) : json(nullptr)}};
}

json audit_json(const auth::AuditEntry& entry) {
    return {{"id", entry.id},
            {"at", model::format_iso8601(entry.at)},
            {"user_id", entry.user_id ? json(*entry.user_id) : json(nullptr)},
            {"user", entry.user_name},
            {"action", entry.action},
            {"collection", entry.collection},
            {"record_ids", entry.record_ids},
            {"client", entry.client},
            {"outcome", auth::to_string(entry.outcome)},
            {"detail", entry.detail}};
}

std::string cookie(std::string_view value, std::int64_t max_age, bool secure) {
    return std::string(session_cookie) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
           std::to_string(max_age) + (secure ? "; Secure" : "");
}

model::Timestamp time_parameter(std::string_view text, std::string_view name) {
    const auto time = model::parse_iso8601(text);
    if (!time) {
        throw ClientError(ErrorKind::bad_request, "invalid_parameter",
                        std::string(name) + " must be an ISO 8601 date or date-time",
                        "参数 " + std::string(name) + " 应为日期或日期时间（ISO 8601）");
    }
    return *time;
}

ClientError cross_site_refusal() {
    return ClientError(ErrorKind::forbidden, "cross_site_request",
                       "this request comes from another site's page; use the map at /map/",
                       "此请求来自其他网站的页面，已拒绝；请在 /map/ 地图中操作");
}

/// "host:port" of an Origin ("https://host:port"), lower case, without the scheme's default port.
std::string origin_authority(std::string_view origin) {
    std::string_view scheme = "http";
    if (const std::size_t colon = origin.find("://"); colon != std::string_view::npos) {
        scheme = origin.substr(0, colon);
        origin.remove_prefix(colon + 3);
    }
    std::string authority(origin.substr(0, origin.find('/')));
    std::ranges::transform(authority, authority.begin(),
                           [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    const std::string default_port = scheme == "https" ? ":443" : ":80";
    if (authority.ends_with(default_port)) authority.resize(authority.size() - default_port.size());
    return authority;
}

Response login(const AuthGate& gate, const Request& request) {
    if (cross_site(request)) throw cross_site_refusal();
    const JsonBody body(request);
    const std::string username = body.required_string("username", true);
    const std::string password = body.required_string("password", true);
    try {
        const auth::Session session = gate.service().login(username, password, gate.client(request), gate.now());
        Response response = Response::json({{"token", session.token},
                                            {"role", auth::to_string(session.user.role)},
                                            {"expires", model::format_iso8601(session.expires_at)},
                                            {"user", user_json(session.user)}});
        response.set_header("Set-Cookie", cookie(session.token, session.expires_at - gate.now(),
                                                 gate.options().secure_cookie));
        response.set_header("Cache-Control", "no-store");
        return response;
    } catch (const auth::ThrottledError& e) {
        Response response = Response::error(Status::too_many_requests, "too_many_requests", e.what(),
                                            "登录失败次数过多，请 " + std::to_string(e.retry_after_seconds()) + " 秒后再试");
        response.set_header("Retry-After", std::to_string(e.retry_after_seconds()));
        return response;
    } catch (const auth::AuthenticationError& e) {
        throw ClientError(ErrorKind::unauthorized, "unauthorized", e.what(), "用户名或密码不正确，或账号已停用");
    }
}

Response logout(const AuthGate& gate, const Request& request) {
    // Another site's page may not sign the user out either.
    if (request.header("Authorization").empty() && cross_site(request)) throw cross_site_refusal();
    gate.service().logout(session_token(request), gate.client(request), gate.now());
    Response response = Response::bytes("", "text/plain", Status::no_content);
    response.set_header("Set-Cookie", cookie("", 0, gate.options().secure_cookie));
    return response;
}

Response audit_page(const AuthGate& gate, const Request& request) {
    const auth::Principal who = gate.require(request, auth::Action::read_audit_log);
    const Query& query = request.query();
    query.allow_only({"user", "action", "from", "to", "limit", "offset"});
    auth::AuditQuery filter;
    if (const auto user = query.get("user")) filter.user_name = std::string(*user);
    if (const auto action = query.get("action")) filter.action = std::string(*action);
    if (const auto from = query.get("from")) filter.from = time_parameter(*from, "from");
    if (const auto to = query.get("to")) filter.to = time_parameter(*to, "to");
    if (const auto limit = query.get("limit")) {
        filter.limit = static_cast<std::size_t>(parse_int(*limit, "limit", 1, auth::max_audit_page));
    }
    if (const auto offset = query.get("offset")) {
        filter.offset = static_cast<std::size_t>(parse_int(*offset, "offset", 0, 1'000'000'000));
    }
    const auth::AuditPage page = gate.service().audit_log(filter);
    gate.audit(request, who, "audit.read", "audit_log", {});

    json entries = json::array();
    for (const auth::AuditEntry& entry : page.entries) entries.push_back(audit_json(entry));
    json out{{"entries", std::move(entries)}, {"total", page.total}, {"limit", filter.limit}, {"offset", filter.offset}};
    if (filter.offset + page.entries.size() < page.total) {
        out["next"] = std::string(request.path()) + "?" +
                      query.encode({{"offset", std::to_string(filter.offset + page.entries.size())}});
    }
    Response response = Response::json(out);
    vary_by_session(response, "no-store");
    return response;
}

}  // namespace

std::string_view session_token(const Request& request) noexcept {
    const std::string_view authorization = trim(request.header("Authorization"));
    constexpr std::string_view bearer = "Bearer ";
    if (authorization.size() > bearer.size() && authorization.substr(0, bearer.size()) == bearer) {
        return trim(authorization.substr(bearer.size()));
    }
    return cookie_value(request.header("Cookie"), session_cookie);
}

bool cross_site(const Request& request) {
    const std::string_view fetch_site = trim(request.header("Sec-Fetch-Site"));
    if (!fetch_site.empty() && fetch_site != "same-origin" && fetch_site != "none") return true;
    const std::string_view origin = trim(request.header("Origin"));
    if (origin.empty()) return false;
    // http and https share the comparison: behind a TLS proxy the server sees http.
    return origin == "null" || origin_authority(origin) != origin_authority(trim(request.header("Host")));
}

AuthGate::AuthGate(auth::AuthService& service, AuthGateOptions options)
    : service_(service), options_(std::move(options)) {
    if (!options_.clock) options_.clock = system_now;
}

auth::Principal AuthGate::principal(const Request& request) const {
    const std::string_view token = session_token(request);
    const bool by_cookie = !token.empty() && request.header("Authorization").empty();
    if (by_cookie && is_write(request.method()) && cross_site(request)) throw cross_site_refusal();
    return service_.authenticate(token, now());
}

auth::Principal AuthGate::require(const Request& request, auth::Action action) const {
    auth::Principal who = principal(request);
    enforce(auth::decide(who, action));
    return who;
}

auth::Principal AuthGate::require(const Request& request, auth::Action action, std::string_view grid_code) const {
    auth::Principal who = principal(request);
    enforce(auth::decide(who, action, grid_code));
    return who;
}

void AuthGate::permit(const Request& request, auth::Action action) const {
    if (auth::is_public(action)) return;
    (void)require(request, action);
}

void AuthGate::audit(const Request& request, const auth::Principal& who, std::string action, std::string collection,
                     std::vector<std::string> record_ids, auth::Outcome outcome, std::string detail) const {
    service_.record(audit_entry(request, who, std::move(action), std::move(collection), std::move(record_ids), outcome,
                                std::move(detail)));
}

auth::AuditEntry AuthGate::audit_entry(const Request& request, const auth::Principal& who, std::string action,
                                       std::string collection, std::vector<std::string> record_ids,
                                       auth::Outcome outcome, std::string detail) const {
    auth::AuditEntry entry;
    entry.at = now();
    if (who.user) {
        entry.user_id = who.user->id;
        entry.user_name = who.user->name;
    }
    entry.action = std::move(action);
    entry.collection = std::move(collection);
    entry.record_ids = std::move(record_ids);
    entry.client = client(request);
    entry.outcome = outcome;
    entry.detail = std::move(detail);
    return entry;
}

void enforce(auth::Decision decision) {
    switch (decision) {
        case auth::Decision::allowed:
            return;
        case auth::Decision::login_required:
            throw ClientError(ErrorKind::unauthorized, "login_required", "sign in first (POST /auth/login)", "请先登录");
        case auth::Decision::forbidden:
            throw ClientError(ErrorKind::forbidden, "forbidden", "your role may not do this", "您的角色无权进行此操作");
        case auth::Decision::out_of_scope:
            throw ClientError(ErrorKind::forbidden, "out_of_scope", "this record belongs to a grid outside your scope",
                              "该记录不在您负责的网格范围内");
    }
}

void vary_by_session(Response& response, std::string_view cache_control) {
    response.set_header("Cache-Control", cache_control);
    response.set_header("Vary", "Authorization, Cookie");
}

void add_auth_routes(Router& router, const AuthGate& gate) {
    // Every refused write is audited in one place, whichever check refused it.
    router.on_refused_write([&gate](const Request& request, const Response& response) {
        try {
            const auth::Principal who = gate.service().authenticate(session_token(request), gate.now());
            const std::string_view path = request.path();
            const std::string_view collection = path.substr(1, path.find('/', 1) == std::string_view::npos
                                                                   ? std::string_view::npos
                                                                   : path.find('/', 1) - 1);
            const json body = json::parse(response.body(), nullptr, false);
            const std::string code = body.is_object() && body.contains("error") && body["error"].contains("code") &&
                                             body["error"]["code"].is_string()
                                         ? body["error"]["code"].get<std::string>()
                                         : "forbidden";
            gate.audit(request, who, "http.denied", std::string(collection), {}, auth::Outcome::denied,
                       std::string(to_string(request.method())) + " " + std::string(path) + ": " + code);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "wangge: could not audit a refused write: %s\n", e.what());
        }
    });
    // Login hashes with Argon2 and every route writes SQLite: keep them off the I/O threads.
    router.post("/auth/login", [&gate](const Request& request) { return login(gate, request); }, Execution::worker);
    router.post("/auth/logout", [&gate](const Request& request) { return logout(gate, request); }, Execution::worker);
    router.get("/auth/me", [&gate](const Request& request) {
        request.query().allow_only({});
        const auth::Principal who = gate.principal(request);
        if (who.anonymous()) enforce(auth::Decision::login_required);
        Response response = Response::json(user_json(*who.user));
        vary_by_session(response, "no-store");
        return response;
    }, Execution::io);
    router.get("/audit", [&gate](const Request& request) { return audit_page(gate, request); }, Execution::worker);
}

}  // namespace wangge::http
