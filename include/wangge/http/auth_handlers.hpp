#pragma once
// Sign-in over HTTP and the checks other handlers apply (DESIGN §6).
//
// Routes (add_auth_routes):
//   POST /auth/login  {"username","password"} → {"token","role","expires","user"}
//                     and Set-Cookie wangge_session=…; HttpOnly; SameSite=Strict; Path=/
//                     (; Secure with AuthGateOptions::secure_cookie)
//                     401 wrong credentials, 429 + Retry-After when throttled,
//                     403 "cross_site_request" from another site's page (login CSRF)
//   POST /auth/logout → 204, ends the session and clears the cookie
//   GET  /auth/me     → the signed-in user, 401 when anonymous
//   GET  /audit?user=&action=&from=&to=&limit=&offset= → a page of the audit log (admin)
//
// In other handlers, through one AuthGate shared by all routes:
//     router.get("/collections/households/items", [&state, &gate](const Request& request) {
//         const auth::Principal who = gate.require(request, auth::Action::read_households);  // 401/403
//         ... for each household h:
//             const auto view = auth::personal_view(who, h.grid_code, reveal);
//             auth::apply_view(copy_of_h, view);
//         gate.audit(request, who, "households.read", "households", ids_with_personal_data);
//     });
//
// Thread safety: AuthGate and the handlers may be used from any thread (the
// service locks internally).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/auth/policy.hpp"
#include "wangge/auth/service.hpp"
#include "wangge/http/router.hpp"

namespace wangge::http {

inline constexpr std::string_view session_cookie = "wangge_session";

/// The session token a request carries: `Authorization: Bearer <token>`
/// first, else the wangge_session cookie; empty when it has neither.
[[nodiscard]] std::string_view session_token(const Request& request) noexcept;

/// True for a request a browser sent on behalf of another site: Sec-Fetch-Site
/// other than same-origin or none, or an Origin whose host and port differ
/// from the Host header (another port on the same host is another origin).
/// Requests with neither header (curl, apps, old browsers) count as same-site.
[[nodiscard]] bool cross_site(const Request& request);

struct AuthGateOptions {
    /// Seconds UTC now; replaceable for tests.
    std::function<model::Timestamp()> clock;
    /// Add `Secure` to the cookie (when served over HTTPS, also behind a TLS-terminating proxy).
    bool secure_cookie = false;
};

class AuthGate {
public:
    explicit AuthGate(auth::AuthService& service, AuthGateOptions options = {});

    /// Who the request acts as; anonymous without a valid session. A write
    /// (is_write) authenticated by the session cookie and sent from another
    /// site (cross_site) is ClientError 403 "cross_site_request": the cookie
    /// rides along on any request the browser makes, the Authorization
    /// header only on the map's own.
    [[nodiscard]] auth::Principal principal(const Request& request) const;
    /// The principal, or ClientError 401 "login_required" / 403 "forbidden".
    [[nodiscard]] auth::Principal require(const Request& request, auth::Action action) const;
    /// The same for a record of grid `grid_code`; 403 "out_of_scope" outside the scope.
    [[nodiscard]] auth::Principal require(const Request& request, auth::Action action,
                                          std::string_view grid_code) const;
    /// require() for handlers that do not need the principal: skips the
    /// session lookup when anonymous callers may already do the action.
    void permit(const Request& request, auth::Action action) const;
    /// Appends an audit entry for the request; returns once it is durable.
    void audit(const Request& request, const auth::Principal& who, std::string action, std::string collection,
               std::vector<std::string> record_ids, auth::Outcome outcome = auth::Outcome::ok,
               std::string detail = {}) const;
    /// The entry audit() appends, for a write that stores it in its own
    /// transaction instead (Writer's `audit` functions).
    [[nodiscard]] auth::AuditEntry audit_entry(const Request& request, const auth::Principal& who, std::string action,
                                               std::string collection, std::vector<std::string> record_ids,
                                               auth::Outcome outcome = auth::Outcome::ok,
                                               std::string detail = {}) const;

    [[nodiscard]] model::Timestamp now() const { return options_.clock(); }
    /// The client address for throttling and the audit log (Request::client()).
    [[nodiscard]] std::string client(const Request& request) const { return request.client(); }
    [[nodiscard]] auth::AuthService& service() const noexcept { return service_; }
    [[nodiscard]] const AuthGateOptions& options() const noexcept { return options_; }

private:
    auth::AuthService& service_;
    AuthGateOptions options_;
};

/// Throws ClientError for a decision other than allowed (401 / 403).
void enforce(auth::Decision decision);

/// For a response whose content depends on who asks: sets Cache-Control
/// (private or no-store, so shared caches never hand it to someone else) and
/// Vary: Authorization, Cookie.
void vary_by_session(Response& response, std::string_view cache_control = "private, no-cache");

/// Registers /auth/login, /auth/logout, /auth/me and /audit, and makes the
/// router audit every write it answers 403 ("http.denied", outcome denied).
void add_auth_routes(Router& router, const AuthGate& gate);

}  // namespace wangge::http
