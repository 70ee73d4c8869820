#include "wangge/http/writer.hpp"

#include <algorithm>
#include <utility>

namespace wangge::http {

Writer::Writer(std::filesystem::path store_path, State& state) : store_path_(std::move(store_path)), state_(state) {}

template <class T>
T Writer::write(const Make<T>& make, const std::function<void(store::GeoPackageStore&, T&)>& store_write,
                const std::function<void(model::Dataset&, const T&)>& change) {
    const std::lock_guard lock(mutex_);
    const std::shared_ptr<const View> view = state_.view();
    const model::Snapshot& current = view->snapshot();
    T value = make(current);
    {
        store::GeoPackageStore store = store::GeoPackageStore::open(store_path_, true);
        store_write(store, value);
    }
    // The store holds the change now; the snapshot follows (a failure here
    // leaves the served view one write behind until the next write or restart).
    model::Dataset data = current.data();
    change(data, value);
    state_.publish(model::Snapshot::build(std::move(data), current.version() + 1));
    return value;
}

workflow::Transition Writer::insert_incident(const Make<workflow::Transition>& make) {
    return write<workflow::Transition>(
        make,
        [](store::GeoPackageStore& store, workflow::Transition& t) { store.insert_incident(t.incident, t.event); },
        [](model::Dataset& data, const workflow::Transition& t) {
            data.incidents.push_back(t.incident);
            data.incident_events.push_back(t.event);
        });
}

workflow::Transition Writer::update_incident(const Make<workflow::Transition>& make) {
    return write<workflow::Transition>(
        make,
        [](store::GeoPackageStore& store, workflow::Transition& t) { store.update_incident(t.incident, t.event); },
        [](model::Dataset& data, const workflow::Transition& t) {
            const auto found = std::find_if(data.incidents.begin(), data.incidents.end(),
                                            [&](const model::Incident& i) { return i.id == t.incident.id; });
            if (found != data.incidents.end()) *found = t.incident;
            data.incident_events.push_back(t.event);
        });
}

model::Visit Writer::append_visit(const Make<model::Visit>& make) {
    return write<model::Visit>(
        make, [](store::GeoPackageStore& store, model::Visit& visit) { store.append_visit(visit); },
        [](model::Dataset& data, const model::Visit& visit) { data.visits.push_back(visit); });
}

drafts::PublishPlan Writer::publish_layout(const Make<drafts::PublishPlan>& make) {
    return write<drafts::PublishPlan>(
        make,
        [](store::GeoPackageStore& store, drafts::PublishPlan& plan) { store.publish_layout(plan.publication); },
        [](model::Dataset& data, const drafts::PublishPlan& plan) {
            data = drafts::apply_publication(std::move(data), plan.publication);
        });
}

}  // namespace wangge::http
