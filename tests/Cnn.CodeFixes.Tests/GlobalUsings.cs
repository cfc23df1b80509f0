global using Cnn;
global using Xunit;
