#include "wangge/http/state.hpp"

#include <cstdio>
#include <random>

namespace wangge::http {

namespace {

std::string random_instance_id() {
    std::random_device entropy;
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(entropy()));
    return hex;
}

}  // namespace

State::State(std::string store_kind) : store_kind_(std::move(store_kind)), instance_(random_instance_id()) {}

void State::publish(std::shared_ptr<const model::Snapshot> snapshot) {
    auto view = std::make_shared<View>();
    view->snapshot_ = std::move(snapshot);
    const std::shared_ptr<const View> previous = current_.load();
    for (const Deriver& deriver : derivers_) {
        view->derived_.emplace_back(deriver.type, deriver.build(*view, previous.get()));
    }
    current_.store(view);
    for (const auto& listener : listeners_) listener(*view);
}

std::shared_ptr<const View> State::view() const {
    std::shared_ptr<const View> view = current_.load();
    if (!view) throw ClientError(ErrorKind::unavailable, "not_ready", "no snapshot is loaded yet",
                                  "服务器正在加载数据，请稍后再试");
    return view;
}

}  // namespace wangge::http
