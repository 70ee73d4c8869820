#include "support/client.hpp"

#include <cctype>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace wangge::support {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct Client::Connection {
    boost::asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buffer;

    Reply read(bool head) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.skip(head);  // a HEAD answer announces a length but sends no body
        bhttp::read(stream, buffer, parser);
        auto response = parser.release();
        Reply reply;
        reply.status = response.result_int();
        reply.body = std::move(response.body());
        for (const auto& field : response) reply.headers.emplace_back(field.name_string(), field.value());
        return reply;
    }
};

std::string Reply::header(std::string_view name) const {
    const auto lower = [](std::string_view text) {
        std::string out(text);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    for (const auto& [key, value] : headers) {
        if (lower(key) == lower(name)) return value;
    }
    return {};
}

Client::Client(unsigned short port) : connection_(std::make_unique<Connection>()) {
    beast::error_code ec;
    connection_->stream.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) throw std::system_error(ec, "connect to 127.0.0.1:" + std::to_string(port));
    connection_->stream.expires_after(std::chrono::seconds(10));
}

Client::~Client() = default;

Reply Client::request(http::Method method, const std::string& target, const Headers& headers, std::string body) {
    bhttp::request<bhttp::string_body> request;
    request.method_string(std::string(http::to_string(method)));
    request.target(target);
    request.version(11);
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == http::Method::post) {
        request.body() = std::move(body);
        request.prepare_payload();
    }
    bhttp::write(connection_->stream, request);
    return connection_->read(method == http::Method::head);
}

std::vector<Reply> Client::raw(const std::string& bytes, std::size_t count) {
    boost::asio::write(connection_->stream, boost::asio::buffer(bytes));
    std::vector<Reply> replies;
    for (std::size_t i = 0; i < count; ++i) replies.push_back(connection_->read(false));
    return replies;
}

bool Client::closed_by_server() {
    beast::error_code ec;
    char byte = 0;
    connection_->stream.socket().read_some(boost::asio::buffer(&byte, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
}

unsigned short Client::local_port() const { return connection_->stream.socket().local_endpoint().port(); }

namespace {

/// The receive queue of the IPv4 socket from local port `local` to remote port `remote`; nullopt when there is none.
std::optional<unsigned long> receive_queue(unsigned short local, unsigned short remote) {
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // the column names
    while (std::getline(table, line)) {
        // "  0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 …": addresses and ports in hex.
        std::istringstream fields(line);
        std::string slot, local_address, remote_address, state, queues;
        if (!(fields >> slot >> local_address >> remote_address >> state >> queues)) continue;
        const auto port_of = [](const std::string& address) {
            return static_cast<unsigned short>(std::stoul(address.substr(address.find(':') + 1), nullptr, 16));
        };
        if (port_of(local_address) != local || port_of(remote_address) != remote) continue;
        return std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
    }
    return std::nullopt;
}

}  // namespace

bool wait_until_server_read(unsigned short server_port, const Client& client, std::chrono::milliseconds timeout) {
    const unsigned short client_port = client.local_port();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (receive_queue(server_port, client_port) == 0UL) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace wangge::support
