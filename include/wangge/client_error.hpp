#pragma once
// Refused requests, typed by why they are refused. Code that refuses a
// request names the reason (ErrorKind), never a status code: the HTTP layer
// maps each kind to one status in one place (http::status_of, used by the
// router's dispatch), the CLI answers any of them with exit code 2.
//
// (Kept beside error.hpp rather than in it so that adding it recompiled only
// the HTTP layer; it belongs in error.hpp once everything is rebuilt anyway.)

#include <string>
#include <utility>

#include "wangge/error.hpp"

namespace wangge {

enum class ErrorKind {
    bad_request,         ///< 400: malformed or invalid input
    unauthorized,        ///< 401: no valid session, wrong credentials
    forbidden,           ///< 403: the caller's role or scope does not allow it
    not_found,           ///< 404
    method_not_allowed,  ///< 405
    conflict,            ///< 409: the current state refuses it
    too_large,           ///< 413
    unsupported_media,   ///< 415: a body type the route does not take
    unprocessable,       ///< 422: well-formed, but its content cannot be carried out
    too_many,            ///< 429
    unavailable,         ///< 503: the server cannot answer yet
};

/// A refused request: its kind, a stable code for clients, the English
/// message (what(), for logs and API clients) and the Chinese one that the
/// map shows. The Chinese text is required so that no refusal can reach a
/// user in English.
class ClientError : public InputError {
public:
    ClientError(ErrorKind kind, std::string code, const std::string& message, std::string message_zh)
        : InputError(message), kind_(kind), code_(std::move(code)), message_zh_(std::move(message_zh)) {}

    [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }
    [[nodiscard]] const std::string& code() const noexcept { return code_; }
    [[nodiscard]] const std::string& message_zh() const noexcept { return message_zh_; }

private:
    ErrorKind kind_;
    std::string code_;
    std::string message_zh_;
};

}  // namespace wangge
