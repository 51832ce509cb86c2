namespace RadSeal.Imaging.Tests;
