#pragma once
// The one exception root of wangge. Modules derive their own errors from it
// and add the context a caller needs (which layer, which grid, which field).

#include <stdexcept>
#include <string>

namespace wangge {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Input from outside (a file, a request body, a parameter) is not acceptable.
/// The HTTP layer answers it with a 4xx; the CLI with a message and exit code 2.
class InputError : public Error {
public:
    using Error::Error;
};

}  // namespace wangge
