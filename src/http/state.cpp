#include "wangge/http/state.hpp"

namespace wangge::http {

void State::publish(std::shared_ptr<const model::Snapshot> snapshot) {
    auto view = std::make_shared<View>();
    for (const Deriver& deriver : derivers_) view->derived_.emplace_back(deriver.type, deriver.build(*snapshot));
    view->snapshot_ = std::move(snapshot);
    current_.store(std::move(view));
}

std::shared_ptr<const View> State::view() const {
    std::shared_ptr<const View> view = current_.load();
    if (!view) throw HttpError(Status::service_unavailable, "not_ready", "no snapshot is loaded yet");
    return view;
}

}  // namespace wangge::http
