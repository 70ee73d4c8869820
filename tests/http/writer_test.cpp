// The Writer's group commit over a real GeoPackage store: concurrent writes
// share one commit and one Snapshot rebuild, each is stored with its audit
// row, conflicting transitions behave as if serial, and one write's failure
// (in make, in the store or in its audit entry) stays its own.
#include "wangge/http/writer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/test_app.hpp"
#include "wangge/auth/auth_store.hpp"
#include "wangge/drafts/draft.hpp"
#include "wangge/workflow/config.hpp"
#include "wangge/workflow/state_machine.hpp"

namespace wangge::http::test {
using namespace wangge::support;
namespace {

constexpr model::Timestamp report_time = 1'790'000'000;  // 2026-09-21
constexpr std::int64_t reported_incident = 1;            // sample_dataset(): state "reported"

class WriterTest : public ::testing::Test {
protected:
    // Counts the publishes after the app's first one (version 1).
    WriterTest() { app_.state().on_publish([this](const View&) { ++publishes_; }); }

    /// The audit log's record ids of `action`, each as often as it was logged.
    [[nodiscard]] std::multiset<std::string> audited(const std::string& action) const {
        const auth::AuditPage page =
            auth::GeoPackageAuthStore(app_.store_path()).query_audit({.action = action, .limit = auth::max_audit_page});
        std::multiset<std::string> ids;
        for (const auth::AuditEntry& entry : page.entries) {
            for (const std::string& id : entry.record_ids) ids.insert(id);
        }
        return ids;
    }

    static auth::AuditEntry audit_entry(std::string action, std::int64_t id) {
        auth::AuditEntry entry;
        entry.at = report_time;
        entry.user_name = "li";
        entry.action = std::move(action);
        entry.collection = "incidents";
        entry.record_ids = {std::to_string(id)};
        return entry;
    }
    static auth::AuditEntry audit_report(const workflow::Transition& stored) {
        return audit_entry("incidents.report", stored.incident.id);
    }
    static auth::AuditEntry audit_transition(const workflow::Transition& stored) {
        return audit_entry("incidents.transition", stored.incident.id);
    }

    /// Runs `writes` on a thread each, all at once. The first `make` to run
    /// holds its batch until every thread has started and had time to queue
    /// behind it, so the others are written together in the next batch.
    void run_together(const std::vector<std::function<void()>>& writes) {
        std::atomic<std::size_t> started = 0;
        hold_ = [&, count = writes.size()] {
            std::call_once(first_make_, [&] {
                while (started < count) std::this_thread::yield();
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            });
        };
        std::vector<std::thread> threads;
        for (const auto& write : writes) {
            threads.emplace_back([&] {
                ++started;
                write();
            });
        }
        for (std::thread& thread : threads) thread.join();
    }

    [[nodiscard]] workflow::Transition report(double lon, double lat) {
        workflow::IncidentReport report;
        report.category = "违法建设";
        report.source = "网格员巡查";
        report.description = "违章搭建";
        report.location = {lon, lat};
        report.actor = "li";
        report.at = report_time;
        return writer_->insert_incident(
            [&](const model::Snapshot& current) {
                hold_();
                return workflow::report_incident(current, config_.categories, report);
            },
            audit_report);
    }

    [[nodiscard]] workflow::Transition file_incident(std::int64_t id, const std::string& actor) {
        workflow::TransitionRequest request;
        request.action = workflow::Action::file;
        request.role = workflow::Role::supervisor;
        request.actor = actor;
        request.at = report_time;
        return writer_->update_incident([&](const model::Snapshot& current) {
            hold_();
            const auto& incidents = current.data().incidents;
            const auto incident = std::find_if(incidents.begin(), incidents.end(),
                                               [&](const model::Incident& i) { return i.id == id; });
            if (incident == incidents.end()) throw std::out_of_range("no incident " + std::to_string(id));
            std::vector<model::IncidentEvent> history;
            for (const model::IncidentEvent& event : current.data().incident_events) {
                if (event.incident_id == id) history.push_back(event);
            }
            return workflow::apply(*incident, history, request, config_.categories);
        }, audit_transition);
    }

    [[nodiscard]] const model::Snapshot& current() { return app_.state().view()->snapshot(); }

    TestApp app_;
    std::atomic<int> publishes_ = 0;
    Writer* writer_ = &app_.writer();
    workflow::WorkflowConfig config_ = categories();
    std::function<void()> hold_ = [] {};
    std::once_flag first_make_;
};

/// Lon of the i-th report: spread over the west grid (116.40–116.41).
double west_lon(int i) { return 116.4005 + 0.0005 * i; }

TEST_F(WriterTest, ConcurrentInsertsShareRebuilds) {
    constexpr int writes = 16;
    std::mutex ids_mutex;
    std::set<std::int64_t> ids;
    std::vector<std::function<void()>> inserts;
    for (int i = 0; i < writes; ++i) {
        inserts.emplace_back([&, i] {
            const workflow::Transition stored = report(west_lon(i), 39.905);
            EXPECT_NE(stored.event.id, 0);
            EXPECT_EQ(stored.event.incident_id, stored.incident.id);
            const std::lock_guard lock(ids_mutex);
            ids.insert(stored.incident.id);
        });
    }
    run_together(inserts);

    ASSERT_EQ(ids.size(), std::size_t{writes});
    EXPECT_LT(publishes_.load(), writes);
    EXPECT_GE(publishes_.load(), 2);  // the held first batch, then the others
    EXPECT_EQ(current().version(), static_cast<std::uint64_t>(1 + publishes_.load()));
    const auto has_all = [&](const auto& incidents) {
        return std::all_of(ids.begin(), ids.end(), [&](std::int64_t id) {
            return std::any_of(incidents.begin(), incidents.end(), [&](const model::Incident& i) { return i.id == id; });
        });
    };
    EXPECT_EQ(current().data().incidents.size(), 3u + writes);
    EXPECT_TRUE(has_all(current().data().incidents));
    const model::Dataset data = app_.stored_data();
    EXPECT_EQ(data.incidents.size(), 3u + writes);
    EXPECT_EQ(data.incident_events.size(), sample_dataset().incident_events.size() + writes);
    EXPECT_TRUE(has_all(data.incidents));
    std::multiset<std::string> expected;
    for (const std::int64_t id : ids) expected.insert(std::to_string(id));
    EXPECT_EQ(audited("incidents.report"), expected);  // each write exactly once with its audit row
}

TEST_F(WriterTest, AuditRowsOfReadsShareTheWritersCommitAndPublishNothing) {
    // Reads' audit rows arrive with writes (the app gives the auth service the
    // Writer's connection): both are stored, only the writes make versions.
    constexpr int writes = 4;
    constexpr int reads = 8;
    std::vector<std::function<void()>> jobs;
    for (int i = 0; i < writes; ++i) jobs.emplace_back([&, i] { (void)report(west_lon(i), 39.905); });
    for (int i = 0; i < reads; ++i) {
        jobs.emplace_back([&, i] {
            std::array entries{audit_entry("households.read", 100 + i)};
            entries[0].collection = "households";
            writer_->append_audit(entries);
            EXPECT_GT(entries[0].id, 0);
        });
    }
    run_together(jobs);
    EXPECT_EQ(audited("incidents.report").size(), std::size_t{writes});
    EXPECT_EQ(audited("households.read").size(), std::size_t{reads});
    EXPECT_LE(publishes_.load(), writes);
    EXPECT_EQ(current().version(), static_cast<std::uint64_t>(1 + publishes_.load()));

    // Alone, an audit row publishes no version.
    const int before = publishes_.load();
    auth::AuditEntry alone = audit_entry("households.read", 200);
    writer_->append_audit(std::span(&alone, 1));
    EXPECT_GT(alone.id, 0);
    EXPECT_EQ(publishes_.load(), before);

    // Through the auth service, as AuthGate::audit records a read.
    app_.app().auth().record(audit_entry("households.read", 300));
    EXPECT_EQ(audited("households.read").count("300"), 1u);
}

TEST_F(WriterTest, AWriteInsideAWriteIsRefusedNotDeadlocked) {
    EXPECT_THROW((void)writer_->insert_incident(
                     [&](const model::Snapshot&) -> workflow::Transition {
                         auth::AuditEntry inner = audit_entry("households.read", 1);
                         writer_->append_audit(std::span(&inner, 1));  // would wait for its own batch
                         throw std::runtime_error("not reached");
                     },
                     audit_report),
                 std::logic_error);
    // The Writer goes on.
    EXPECT_NE(report(west_lon(0), 39.905).incident.id, 0);
}

TEST_F(WriterTest, ConcurrentTransitionsOfOneIncidentActAsIfSerial) {
    constexpr int writes = 8;
    std::atomic<int> succeeded = 0;
    std::atomic<int> refused = 0;
    std::vector<std::function<void()>> transitions;
    for (int i = 0; i < writes; ++i) {
        transitions.emplace_back([&, i] {
            try {
                const workflow::Transition stored = file_incident(reported_incident, "chief" + std::to_string(i));
                EXPECT_EQ(stored.incident.state, "filed");
                ++succeeded;
            } catch (const workflow::WorkflowError& error) {
                // As after a serial write: the incident is filed already.
                EXPECT_EQ(error.code(), "illegal_transition") << error.what();
                ++refused;
            }
        });
    }
    run_together(transitions);

    EXPECT_EQ(succeeded.load(), 1);
    EXPECT_EQ(refused.load(), writes - 1);
    const auto events_of_incident = [](const auto& data) {
        return std::count_if(data.incident_events.begin(), data.incident_events.end(),
                             [](const model::IncidentEvent& e) { return e.incident_id == reported_incident; });
    };
    const auto before = events_of_incident(sample_dataset());
    EXPECT_EQ(events_of_incident(current().data()), before + 1);
    const model::Dataset data = app_.stored_data();
    EXPECT_EQ(events_of_incident(data), before + 1);
    const auto incident = std::find_if(data.incidents.begin(), data.incidents.end(),
                                       [](const model::Incident& i) { return i.id == reported_incident; });
    ASSERT_NE(incident, data.incidents.end());
    EXPECT_EQ(incident->state, "filed");
}

TEST_F(WriterTest, AFailingWriteFailsAlone) {
    constexpr int good_writes = 4;
    std::atomic<int> succeeded = 0;
    std::atomic<bool> make_failed = false;
    std::atomic<bool> store_failed = false;
    std::atomic<bool> audit_failed = false;
    std::vector<std::function<void()>> writes;
    for (int i = 0; i < good_writes; ++i) {
        writes.emplace_back([&, i] {
            (void)report(west_lon(i), 39.905);
            ++succeeded;
        });
    }
    writes.emplace_back([&] {
        try {
            (void)writer_->insert_incident(
                [&](const model::Snapshot&) -> workflow::Transition {
                    hold_();
                    throw InputError("refused by make");
                },
                audit_report);
        } catch (const InputError& error) {
            make_failed = std::string(error.what()) == "refused by make";
        }
    });
    writes.emplace_back([&] {
        try {
            // Computed, but the store has no incident 999 to update.
            (void)writer_->update_incident([&](const model::Snapshot& current) {
                hold_();
                workflow::Transition ghost;
                ghost.incident = current.data().incidents.front();
                ghost.incident.id = 999;
                ghost.event.incident_id = 999;
                ghost.event.at = report_time;
                ghost.event.actor = "chief";
                ghost.event.to_state = "filed";
                return ghost;
            }, audit_transition);
        } catch (const Error&) {
            store_failed = true;
        }
    });
    writes.emplace_back([&] {
        try {
            // Stored, then its audit entry cannot be made: the incident is undone with it.
            (void)writer_->insert_incident(
                [&](const model::Snapshot& current) {
                    hold_();
                    workflow::IncidentReport report;
                    report.category = "违法建设";
                    report.source = "网格员巡查";
                    report.description = "unaudited";
                    report.location = {west_lon(9), 39.905};
                    report.actor = "li";
                    report.at = report_time;
                    return workflow::report_incident(current, config_.categories, report);
                },
                [](const workflow::Transition&) -> auth::AuditEntry { throw std::runtime_error("audit refused"); });
        } catch (const std::runtime_error& error) {
            audit_failed = std::string(error.what()) == "audit refused";
        }
    });
    run_together(writes);

    EXPECT_EQ(succeeded.load(), good_writes);
    EXPECT_TRUE(make_failed);
    EXPECT_TRUE(store_failed);
    EXPECT_TRUE(audit_failed);
    EXPECT_EQ(current().data().incidents.size(), 3u + good_writes);
    const model::Dataset data = app_.stored_data();
    EXPECT_EQ(data.incidents.size(), 3u + good_writes);
    EXPECT_EQ(data.incident_events.size(), sample_dataset().incident_events.size() + good_writes);
    EXPECT_TRUE(std::none_of(data.incidents.begin(), data.incidents.end(),
                             [](const model::Incident& i) { return i.description == "unaudited"; }));
    EXPECT_EQ(audited("incidents.report").size(), std::size_t{good_writes});
    EXPECT_TRUE(audited("incidents.transition").empty());
}

TEST_F(WriterTest, LayoutPublishedAmongIncidentWrites) {
    const int layout_before = drafts::layout_version(current().current_grids());
    const std::size_t grids_in_force = current().current_grids().size();
    constexpr int reports = 6;
    std::atomic<int> succeeded = 0;
    std::vector<std::function<void()>> writes;
    for (int i = 0; i < reports; ++i) {
        writes.emplace_back([&, i] {
            (void)report(west_lon(i), 39.905);
            ++succeeded;
        });
        if (i == reports / 2) {
            writes.emplace_back([&] {
                const drafts::PublishPlan plan = writer_->publish_layout([&](const model::Snapshot& current) {
                    hold_();
                    std::vector<model::Grid> grids;
                    for (const model::Grid* grid : current.current_grids()) grids.push_back(*grid);
                    const drafts::Draft draft(std::move(grids), drafts::layout_version(current.current_grids()));
                    return drafts::plan_publication(draft, current, report_time);
                }, [](const drafts::PublishPlan& published) {
                    auth::AuditEntry entry = audit_entry("layouts.publish", published.publication.grids.front().version);
                    entry.collection = "grids";
                    return entry;
                });
                EXPECT_EQ(plan.publication.grids.size(), grids_in_force);
                ++succeeded;
            });
        }
    }
    run_together(writes);

    EXPECT_EQ(succeeded.load(), reports + 1);
    EXPECT_EQ(drafts::layout_version(current().current_grids()), layout_before + 1);
    EXPECT_EQ(current().current_grids().size(), grids_in_force);
    EXPECT_EQ(current().data().incidents.size(), 3u + reports);
    // The served snapshot, made by editing, holds exactly what a restart reads back from the store.
    const model::Dataset served = model::to_dataset(current().data());
    const model::Dataset data = app_.stored_data();
    EXPECT_EQ(served.incidents, data.incidents);
    EXPECT_EQ(served.incident_events, data.incident_events);
    EXPECT_EQ(served.households, data.households);
    EXPECT_EQ(served.facilities, data.facilities);
    EXPECT_EQ(served.grids, data.grids);
    const auto reloaded = model::Snapshot::build(model::Dataset(data), 1);
    EXPECT_EQ(drafts::layout_version(reloaded->current_grids()), layout_before + 1);
    EXPECT_EQ(data.incidents.size(), 3u + reports);
    EXPECT_EQ(audited("layouts.publish"), std::multiset<std::string>{std::to_string(layout_before + 1)});
    EXPECT_EQ(audited("incidents.report").size(), std::size_t{reports});
}

}  // namespace
}  // namespace wangge::http::test
