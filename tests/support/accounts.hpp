#pragma once
// Signed-in test users over a real AuthGate (normally the test app's): an
// account is added and signed in on first use only (each Argon2 hash costs
// ~0.1 s), then its token is reused.
//
// Thread safety: token() and bearer() from one test thread at a time; the
// gate may be used by server threads meanwhile.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "wangge/auth/service.hpp"
#include "wangge/http/auth_handlers.hpp"

namespace wangge::support {

inline constexpr const char* test_password = "test password 123";

struct Account {
    std::string name;
    auth::Role role = auth::Role::grid_worker;
    std::vector<std::string> grids{};
    std::optional<std::int64_t> staff_id{};
};

class Accounts {
public:
    /// `gate` outlives the Accounts.
    explicit Accounts(const http::AuthGate& gate) : gate_(gate) {}

    [[nodiscard]] const http::AuthGate& gate() const noexcept { return gate_; }
    [[nodiscard]] auth::AuthService& service() const noexcept { return gate_.service(); }

    /// Adds the user (once) without signing in.
    void add(const Account& account) {
        if (!added_.insert(account.name).second) return;
        const auth::Actor actor{std::nullopt, "cli:test", "local"};
        (void)service().add_user({.name = account.name, .role = account.role, .grid_codes = account.grids,
                                  .staff_id = account.staff_id},
                                 test_password, actor, gate_.now());
    }

    /// The account's session token; adds the user the first time, signs in when it has none.
    const std::string& token(const Account& account) {
        const auto known = tokens_.find(account.name);
        if (known != tokens_.end()) return known->second;
        add(account);
        return tokens_[account.name] = service().login(account.name, test_password, "", gate_.now()).token;
    }

    /// Drops the kept token (after a logout): the next token() signs in again.
    void forget_session(const Account& account) { tokens_.erase(account.name); }

    /// {"Authorization", "Bearer <token>"}; no header at all for nullopt (anonymous).
    std::vector<std::pair<std::string, std::string>> bearer(const std::optional<Account>& account) {
        if (!account) return {};
        return {{"Authorization", "Bearer " + token(*account)}};
    }

private:
    const http::AuthGate& gate_;
    std::map<std::string, std::string> tokens_;
    std::set<std::string> added_;
};

}  // namespace wangge::support
