#include "wangge/http/writer.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "wangge/client_error.hpp"
#include "wangge/store/importer.hpp"

namespace wangge::http {

/// The row a write changes, which no other write of its batch may change
/// too: incidents and households (0 for a new one before it is stored).
struct Subject {
    enum class Kind { incident, household } kind;
    std::int64_t id = 0;
    friend bool operator==(const Subject&, const Subject&) = default;
};

struct SubjectHash {
    std::size_t operator()(const Subject& subject) const noexcept {
        return std::hash<std::int64_t>{}(subject.id) ^ static_cast<std::size_t>(subject.kind);
    }
};

namespace {

/// How a write the store refused as outdated (store::ConflictError: another
/// server on the database changed its subject first) is answered: 409.
struct ConflictAnswer {
    const char* code = "write_conflict";
    const char* message_zh = "数据已被他人修改，请刷新后重试";
};

/// A transition with what the store must still hold for it to apply.
struct CheckedTransition {
    workflow::Transition transition;
    store::IncidentVersion expected;
};

/// Incident `id` as `current` holds it: what a transition computed from it expects.
store::IncidentVersion version_in(const model::Snapshot& current, std::int64_t id) {
    store::IncidentVersion version;
    if (const model::Incident* incident = current.incident(id)) version.state = incident->state;
    for (const model::IncidentEvent* event : current.events_of(id)) {
        version.last_event_id = std::max(version.last_event_id, event->id);
    }
    return version;
}

}  // namespace

class Writer::Job {
public:
    Job() = default;
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;
    virtual ~Job() = default;

    /// Computes the value from the batch's snapshot (again, when deferred).
    virtual void make(const model::Snapshot& current) = 0;
    /// The row the computed value writes, if any.
    [[nodiscard]] virtual std::optional<Subject> subject() const = 0;
    /// Stores the computed value and its audit row in `batch`.
    virtual void store(store::Batch& batch) = 0;
    /// Stores the audit row of the attempt the store refused (an error) in
    /// `batch` and returns the error its caller gets. Called while `conflict`
    /// is being handled; a job without a value of its own to audit (audit
    /// rows, remote changes, a reload: never compared with a version) passes
    /// the conflict on as it is.
    [[nodiscard]] virtual std::exception_ptr refuse([[maybe_unused]] store::Batch& batch,
                                                    [[maybe_unused]] const store::ConflictError& conflict) {
        return std::current_exception();
    }
    virtual void change(model::SnapshotEditor& editor) const = 0;
    [[nodiscard]] virtual bool publishes_layout() const = 0;
    /// False for jobs that store audit rows only: nothing to publish.
    [[nodiscard]] virtual bool changes_snapshot() const { return true; }
    /// True for a ReloadJob, which replaces the snapshot whole, alone in its batch.
    [[nodiscard]] virtual bool reloads() const { return false; }

    std::exception_ptr error;
    bool done = false;
};

template <class T>
struct Writer::Operation {
    std::function<void(store::Batch&, T&)> store;
    std::function<void(model::SnapshotEditor&, const T&)> change;
    /// The incident a value writes; empty for writes that touch none.
    std::function<std::int64_t(const T&)> incident;
    /// The household a value writes; empty for writes that touch none.
    std::function<std::int64_t(const T&)> household;
    bool layout = false;
    /// False for writes the Snapshot does not hold (photos): nothing to publish.
    bool snapshot = true;
    ConflictAnswer conflict{};
};

template <class T>
class Writer::TypedJob final : public Writer::Job {
public:
    TypedJob(const Make<T>& make, const Audit<T>& audit, const Operation<T>& operation)
        : make_(make), audit_(audit), operation_(operation) {}

    void make(const model::Snapshot& current) override {
        value_.reset();
        value_.emplace(make_(current));
    }
    [[nodiscard]] std::optional<Subject> subject() const override {
        if (operation_.incident) return Subject{Subject::Kind::incident, operation_.incident(*value_)};
        if (operation_.household) return Subject{Subject::Kind::household, operation_.household(*value_)};
        return std::nullopt;
    }
    void store(store::Batch& batch) override {
        operation_.store(batch, *value_);
        auth::AuditEntry entry = audit_(*value_);
        batch.append_audit(entry);
    }
    [[nodiscard]] std::exception_ptr refuse(store::Batch& batch, const store::ConflictError& conflict) override {
        auth::AuditEntry entry = audit_(*value_);
        entry.outcome = auth::Outcome::error;
        entry.detail = std::string(operation_.conflict.code) + ": " + conflict.what();
        batch.isolated([&] { batch.append_audit(entry); });
        return std::make_exception_ptr(ClientError(ErrorKind::conflict, operation_.conflict.code, conflict.what(),
                                                   operation_.conflict.message_zh));
    }
    void change(model::SnapshotEditor& editor) const override { operation_.change(editor, *value_); }
    [[nodiscard]] bool publishes_layout() const override { return operation_.layout; }
    [[nodiscard]] bool changes_snapshot() const override { return operation_.snapshot; }

    [[nodiscard]] T take() { return *std::move(value_); }

private:
    const Make<T>& make_;
    const Audit<T>& audit_;
    const Operation<T>& operation_;
    std::optional<T> value_;
};

class Writer::AuditJob final : public Writer::Job {
public:
    explicit AuditJob(std::span<auth::AuditEntry> entries) : entries_(entries) {}

    void make(const model::Snapshot&) override {}
    [[nodiscard]] std::optional<Subject> subject() const override { return std::nullopt; }
    void store(store::Batch& batch) override {
        for (auth::AuditEntry& entry : entries_) batch.append_audit(entry);
    }
    void change(model::SnapshotEditor&) const override {}
    [[nodiscard]] bool publishes_layout() const override { return false; }
    [[nodiscard]] bool changes_snapshot() const override { return false; }

private:
    std::span<auth::AuditEntry> entries_;
};

/// Writes another server made, read back by id (apply_remote()).
class Writer::RemoteJob final : public Writer::Job {
public:
    RemoteJob(const store::Store& store, std::vector<store::LayerChange> changes)
        : store_(store), changes_(std::move(changes)) {}

    void make(const model::Snapshot& current) override { current_ = &current; }
    [[nodiscard]] std::optional<Subject> subject() const override { return std::nullopt; }
    // Inside the batch, on the Writer's connection: no local write of the rows can come between.
    void store(store::Batch&) override { rows_ = store_.read_changed(changes_); }
    void change(model::SnapshotEditor& editor) const override {
        const model::Snapshot& base = *current_;
        for (const store::LayerChange& change : changes_) {
            if (change.ids) continue;
            switch (change.layer) {
                case store::Layer::grids: editor.replace_grids(model::Table<model::Grid>(rows_.grids)); break;
                case store::Layer::staff: editor.replace_staff_table(model::Table<model::Staff>(rows_.staff)); break;
                case store::Layer::staff_grids:
                    editor.replace_staff_links(model::Table<model::StaffGrid>(rows_.staff_grids));
                    break;
                default: throw std::logic_error("a whole large layer is reloaded, not applied");
            }
        }
        for (const model::Household& row : rows_.households) {
            base.household(row.id) ? editor.replace_household(row) : editor.append_household(row);
        }
        for (const model::Facility& row : rows_.facilities) {
            base.facility(row.id) ? editor.replace_facility(row) : editor.append_facility(row);
        }
        for (const model::Incident& row : rows_.incidents) {
            base.incident(row.id) ? editor.replace_incident(row) : editor.append_incident(row);
        }
        for (const model::IncidentEvent& event : rows_.incident_events) {
            const std::vector<const model::IncidentEvent*> known = base.events_of(event.incident_id);
            if (std::none_of(known.begin(), known.end(), [&](const auto* e) { return e->id == event.id; })) {
                editor.append_event(event);
            }
        }
        // Visits are listed once, by the write that added them, and never change.
        for (const model::Visit& visit : rows_.visits) editor.append_visit(visit);
    }
    [[nodiscard]] bool publishes_layout() const override { return false; }

private:
    const store::Store& store_;
    std::vector<store::LayerChange> changes_;
    const model::Snapshot* current_ = nullptr;
    model::Dataset rows_;
};

/// The whole store read again (reload()).
class Writer::ReloadJob final : public Writer::Job {
public:
    explicit ReloadJob(const store::Store& store) : store_(store) {}

    void make(const model::Snapshot&) override {}
    [[nodiscard]] std::optional<Subject> subject() const override { return std::nullopt; }
    void store(store::Batch&) override {}
    void change(model::SnapshotEditor&) const override {}
    [[nodiscard]] bool publishes_layout() const override { return false; }
    [[nodiscard]] bool reloads() const override { return true; }

    /// The store's content as the snapshot `version`.
    [[nodiscard]] std::shared_ptr<const model::Snapshot> load(std::uint64_t version) {
        store::TablesAtChange loaded = store_.load_tables_at_change();
        seq = loaded.change_seq;
        return model::Snapshot::build(std::move(loaded.tables), version);
    }

    std::int64_t seq = 0;

private:
    const store::Store& store_;
};

Writer::Writer(const std::filesystem::path& store_path, State& state)
    : store_(store::open_store(store_path.string(), true)), origin_(store_->change_origin()), state_(state) {
    store_->prepare_audit_log();
}

template <class T>
T Writer::write(const Make<T>& make, const Audit<T>& audit, const Operation<T>& operation) {
    TypedJob<T> job(make, audit, operation);
    run(job);
    return job.take();
}

void Writer::append_audit(std::span<auth::AuditEntry> entries) {
    AuditJob job(entries);
    run(job);
}

void Writer::apply_remote(std::vector<store::LayerChange> changes) {
    RemoteJob job(*store_, std::move(changes));
    run(job);
}

std::int64_t Writer::reload() {
    ReloadJob job(*store_);
    run(job);
    return job.seq;
}

void Writer::run(Job& job) {
    std::unique_lock lock(mutex_);
    if (leading_ && leader_ == std::this_thread::get_id()) {
        throw std::logic_error("a write was started inside a write of the same thread (it would wait for itself)");
    }
    queue_.push_back(&job);
    while (true) {
        changed_.wait(lock, [&] { return job.done || !leading_; });
        if (job.done) break;
        leading_ = true;
        leader_ = std::this_thread::get_id();
        // Our job is queued until done, so the queue is not empty here.
        while (!job.done) {
            const std::vector<Job*> batch(queue_.begin(), queue_.end());
            queue_.clear();
            lock.unlock();
            std::vector<Job*> later;
            try {
                later = run_batch(batch);
            } catch (...) {
                // Not one job's failure (e.g. no snapshot yet): the whole batch shares it.
                for (Job* failed : batch) {
                    if (!failed->error) failed->error = std::current_exception();
                }
                later.clear();
            }
            lock.lock();
            queue_.insert(queue_.begin(), later.begin(), later.end());
            for (Job* finished : batch) {
                if (std::find(later.begin(), later.end(), finished) == later.end()) finished->done = true;
            }
            changed_.notify_all();
        }
        // Hand the lead to a caller still waiting, so no caller leads for ever.
        leading_ = false;
        changed_.notify_all();
    }
    if (job.error) std::rethrow_exception(job.error);
}

std::vector<Writer::Job*> Writer::run_batch(const std::vector<Job*>& batch) {
    const std::shared_ptr<const View> view = state_.view();
    const model::Snapshot& current = view->snapshot();
    // First every change is computed, holding no lock: `make` reads sessions
    // through the auth store's connection, whose writers may be waiting for
    // the file's write lock, which the store step below holds.
    std::unordered_set<Subject, SubjectHash> touched;  // existing rows changed by the jobs made so far
    bool rows_changed = false;                         // by a job made so far, new rows included
    std::vector<Job*> made;
    std::vector<Job*> later;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        Job& job = *batch[i];
        // A layout changes the grids every other write is routed by, a reload
        // replaces everything: each runs alone at the head of a batch.
        const bool alone = job.publishes_layout() || job.reloads();
        if (alone && i > 0) {
            later.insert(later.end(), batch.begin() + static_cast<std::ptrdiff_t>(i), batch.end());
            break;
        }
        try {
            job.make(current);
        } catch (...) {
            if (rows_changed) {
                later.push_back(&job);
            } else {
                job.error = std::current_exception();
            }
            continue;
        }
        if (const std::optional<Subject> subject = job.subject()) {
            if (touched.contains(*subject)) {
                later.push_back(&job);
                continue;
            }
            // A new row (id 0 until stored) cannot be the subject of another write of its batch.
            if (subject->id != 0) touched.insert(*subject);
            rows_changed = true;
        }
        made.push_back(&job);
        if (alone) {
            later.insert(later.end(), batch.begin() + static_cast<std::ptrdiff_t>(i) + 1, batch.end());
            break;
        }
    }
    if (made.empty()) return later;
    if (made.front()->reloads()) {
        try {
            state_.publish(static_cast<ReloadJob*>(made.front())->load(current.version() + 1));
        } catch (...) {
            made.front()->error = std::current_exception();
        }
        return later;
    }
    // Then all of them are stored in one transaction, each with its audit row
    // in a savepoint of its own, and committed once. Not beginning is not one
    // job's failure but the batch's (run() fails them all).
    const std::unique_ptr<store::Batch> transaction = store_->begin_batch();
    std::vector<Job*> written;
    std::vector<Job*> refused;  // outdated in the store: only the attempt's audit row is stored
    for (Job* job : made) {
        try {
            try {
                transaction->isolated([&] { job->store(*transaction); });
                written.push_back(job);
            } catch (const store::ConflictError& conflict) {
                // Another server on the database changed the write's subject since the snapshot it was made from.
                job->error = job->refuse(*transaction, conflict);
                refused.push_back(job);
            }
        } catch (...) {
            job->error = std::current_exception();
        }
    }
    if (written.empty() && refused.empty()) return later;  // the transaction holds nothing: rolled back
    try {
        transaction->commit();  // one sync of the log for every write of the batch
    } catch (...) {
        for (Job* job : written) job->error = std::current_exception();
        for (Job* job : refused) job->error = std::current_exception();
        return later;
    }
    if (std::none_of(written.begin(), written.end(), [](const Job* job) { return job->changes_snapshot(); })) {
        return later;
    }
    // The store holds the changes now; the snapshot follows (a failure here
    // leaves the served view behind until the next batch or restart).
    try {
        model::SnapshotEditor editor(current);
        for (const Job* job : written) job->change(editor);
        state_.publish(editor.finish(current.version() + 1));
    } catch (...) {
        for (Job* job : written) job->error = std::current_exception();
    }
    return later;
}

workflow::Transition Writer::insert_incident(const Make<workflow::Transition>& make,
                                            const Audit<workflow::Transition>& audit) {
    const Operation<workflow::Transition> operation{
        .store = [](store::Batch& batch,
                    workflow::Transition& t) { batch.insert_incident(t.incident, t.event); },
        .change =
            [](model::SnapshotEditor& editor, const workflow::Transition& t) {
                editor.append_incident(t.incident);
                editor.append_event(t.event);
            },
        .incident = [](const workflow::Transition& t) { return t.incident.id; },
        .household = {},
        .layout = false,
    };
    return write(make, audit, operation);
}

workflow::Transition Writer::update_incident(const Make<workflow::Transition>& make,
                                            const Audit<workflow::Transition>& audit) {
    // The store applies the transition only to the incident as this snapshot
    // holds it: another server may have moved it on meanwhile.
    const Make<CheckedTransition> checked_make = [&](const model::Snapshot& current) {
        workflow::Transition transition = make(current);
        store::IncidentVersion expected = version_in(current, transition.incident.id);
        return CheckedTransition{std::move(transition), std::move(expected)};
    };
    const Audit<CheckedTransition> checked_audit = [&](const CheckedTransition& c) { return audit(c.transition); };
    const Operation<CheckedTransition> operation{
        .store =
            [](store::Batch& batch, CheckedTransition& c) {
                batch.update_incident(c.transition.incident, c.transition.event, c.expected);
            },
        .change =
            [](model::SnapshotEditor& editor, const CheckedTransition& c) {
                editor.replace_incident(c.transition.incident);
                editor.append_event(c.transition.event);
            },
        .incident = [](const CheckedTransition& c) { return c.transition.incident.id; },
        .household = {},
        .layout = false,
        .conflict = {.code = "incident_changed", .message_zh = "该事件已被他人处理，请刷新后查看最新状态再操作"},
    };
    return write(checked_make, checked_audit, operation).transition;
}

model::Visit Writer::append_visit(const Make<model::Visit>& make, const Audit<model::Visit>& audit) {
    const Operation<model::Visit> operation{
        .store = [](store::Batch& batch, model::Visit& visit) { batch.append_visit(visit); },
        .change = [](model::SnapshotEditor& editor, const model::Visit& visit) { editor.append_visit(visit); },
        .incident = {},
        .household = {},
        .layout = false,
    };
    return write(make, audit, operation);
}

store::Photo Writer::attach_photo(const Make<store::Photo>& make, const Audit<store::Photo>& audit) {
    const Operation<store::Photo> operation{
        .store = [](store::Batch& batch, store::Photo& photo) { batch.append_photo(photo); },
        .change = [](model::SnapshotEditor&, const store::Photo&) {},
        .incident = [](const store::Photo& photo) { return photo.info.incident_id; },
        .household = {},
        .layout = false,
        .snapshot = false,
    };
    return write(make, audit, operation);
}

drafts::PublishPlan Writer::publish_layout(const Make<drafts::PublishPlan>& make,
                                           const Audit<drafts::PublishPlan>& audit) {
    const Operation<drafts::PublishPlan> operation{
        .store = [](store::Batch& batch,
                    drafts::PublishPlan& plan) { batch.publish_layout(plan.publication); },
        .change =
            [](model::SnapshotEditor& editor, const drafts::PublishPlan& plan) {
                drafts::apply_publication(editor, plan.publication);
            },
        .incident = {},
        .household = {},
        .layout = true,
        .conflict = {.code = "draft_outdated",
                     .message_zh = "网格布局已被他人发布，请重新加载最新布局，基于最新布局新建草案后再发布"},
    };
    return write(make, audit, operation);
}

store::StaffUpdate Writer::update_staff(const Make<store::StaffUpdate>& make,
                                       const Audit<store::StaffUpdate>& audit) {
    const Operation<store::StaffUpdate> operation{
        .store = [](store::Batch& batch, store::StaffUpdate& update) { batch.update_staff(update); },
        .change =
            [](model::SnapshotEditor& editor, const store::StaffUpdate& update) {
                for (const model::Staff& member : update.staff) editor.replace_staff(member);
                for (const store::GridStaffLinks& grid : update.grids) editor.set_grid_staff(grid.grid_code, grid.links);
            },
        .incident = {},
        .household = {},
        .layout = false,
    };
    return write(make, audit, operation);
}

workflow::HouseholdChange Writer::change_household(const Make<workflow::HouseholdChange>& make,
                                                   const Audit<workflow::HouseholdChange>& audit) {
    const Operation<workflow::HouseholdChange> operation{
        .store = [](store::Batch& batch,
                    workflow::HouseholdChange& change) { batch.write_household(change); },
        .change =
            [](model::SnapshotEditor& editor, const workflow::HouseholdChange& change) {
                if (change.kind == workflow::HouseholdChangeKind::added) {
                    editor.append_household(change.after);
                } else {
                    editor.replace_household(change.after);
                }
            },
        .incident = {},
        .household = [](const workflow::HouseholdChange& change) { return change.after.id; },
        .layout = false,
    };
    return write(make, audit, operation);
}

store::ImportPlan Writer::import_rows(const Make<store::ImportPlan>& make, const Audit<store::ImportPlan>& audit) {
    const Operation<store::ImportPlan> operation{
        .store =
            [](store::Batch& batch, store::ImportPlan& plan) {
                batch.upsert(plan.added, plan.replaced);
                for (auth::AuditEntry& entry : plan.updates) batch.append_audit(entry);
            },
        .change =
            [](model::SnapshotEditor& editor, const store::ImportPlan& plan) {
                for (const model::Household& household : plan.added.households) editor.append_household(household);
                for (const model::Household& household : plan.replaced.households) editor.replace_household(household);
                for (const model::Facility& facility : plan.added.facilities) editor.append_facility(facility);
                for (const model::Facility& facility : plan.replaced.facilities) editor.replace_facility(facility);
            },
        .incident = {},
        .household = {},
        .layout = false,
    };
    return write(make, audit, operation);
}

}  // namespace wangge::http
