package verify

// sasEmoji is the table of the 64 emoji of Matrix's SAS verification
// ("Short Authentication String (SAS) verification", Matrix
// Client-Server API, section "SAS method: emoji"; the canonical data is
// data-definitions/sas-emoji.json in github.com/matrix-org/matrix-spec):
// index, emoji (the exact code points of the table, including U+FE0F
// variation selectors where it has them) and English description. Apps
// that localise the names use Index with the translations published there.
var sasEmoji = [EmojiAlphabetSize]struct{ emoji, name string }{
	{"🐶", "Dog"},        //  0 U+1F436
	{"🐱", "Cat"},        //  1 U+1F431
	{"🦁", "Lion"},       //  2 U+1F981
	{"🐎", "Horse"},      //  3 U+1F40E
	{"🦄", "Unicorn"},    //  4 U+1F984
	{"🐷", "Pig"},        //  5 U+1F437
	{"🐘", "Elephant"},   //  6 U+1F418
	{"🐰", "Rabbit"},     //  7 U+1F430
	{"🐼", "Panda"},      //  8 U+1F43C
	{"🐓", "Rooster"},    //  9 U+1F413
	{"🐧", "Penguin"},    // 10 U+1F427
	{"🐢", "Turtle"},     // 11 U+1F422
	{"🐟", "Fish"},       // 12 U+1F41F
	{"🐙", "Octopus"},    // 13 U+1F419
	{"🦋", "Butterfly"},  // 14 U+1F98B
	{"🌷", "Flower"},     // 15 U+1F337
	{"🌳", "Tree"},       // 16 U+1F333
	{"🌵", "Cactus"},     // 17 U+1F335
	{"🍄", "Mushroom"},   // 18 U+1F344
	{"🌏", "Globe"},      // 19 U+1F30F
	{"🌙", "Moon"},       // 20 U+1F319
	{"☁️", "Cloud"},     // 21 U+2601U+FE0F
	{"🔥", "Fire"},       // 22 U+1F525
	{"🍌", "Banana"},     // 23 U+1F34C
	{"🍎", "Apple"},      // 24 U+1F34E
	{"🍓", "Strawberry"}, // 25 U+1F353
	{"🌽", "Corn"},       // 26 U+1F33D
	{"🍕", "Pizza"},      // 27 U+1F355
	{"🎂", "Cake"},       // 28 U+1F382
	{"❤️", "Heart"},     // 29 U+2764U+FE0F
	{"😀", "Smiley"},     // 30 U+1F600
	{"🤖", "Robot"},      // 31 U+1F916
	{"🎩", "Hat"},        // 32 U+1F3A9
	{"👓", "Glasses"},    // 33 U+1F453
	{"🔧", "Spanner"},    // 34 U+1F527
	{"🎅", "Santa"},      // 35 U+1F385
	{"👍", "Thumbs Up"},  // 36 U+1F44D
	{"☂️", "Umbrella"},  // 37 U+2602U+FE0F
	{"⌛", "Hourglass"},  // 38 U+231B
	{"⏰", "Clock"},      // 39 U+23F0
	{"🎁", "Gift"},       // 40 U+1F381
	{"💡", "Light Bulb"}, // 41 U+1F4A1
	{"📕", "Book"},       // 42 U+1F4D5
	{"✏️", "Pencil"},    // 43 U+270FU+FE0F
	{"📎", "Paperclip"},  // 44 U+1F4CE
	{"✂️", "Scissors"},  // 45 U+2702U+FE0F
	{"🔒", "Lock"},       // 46 U+1F512
	{"🔑", "Key"},        // 47 U+1F511
	{"🔨", "Hammer"},     // 48 U+1F528
	{"☎️", "Telephone"}, // 49 U+260EU+FE0F
	{"🏁", "Flag"},       // 50 U+1F3C1
	{"🚂", "Train"},      // 51 U+1F682
	{"🚲", "Bicycle"},    // 52 U+1F6B2
	{"✈️", "Aeroplane"}, // 53 U+2708U+FE0F
	{"🚀", "Rocket"},     // 54 U+1F680
	{"🏆", "Trophy"},     // 55 U+1F3C6
	{"⚽", "Ball"},       // 56 U+26BD
	{"🎸", "Guitar"},     // 57 U+1F3B8
	{"🎺", "Trumpet"},    // 58 U+1F3BA
	{"🔔", "Bell"},       // 59 U+1F514
	{"⚓", "Anchor"},     // 60 U+2693
	{"🎧", "Headphones"}, // 61 U+1F3A7
	{"📁", "Folder"},     // 62 U+1F4C1
	{"📌", "Pin"},        // 63 U+1F4CC
}
